// What the Kubernetes API server accepts for the values `k8s render` writes (apimachinery's
// validation rules, by their documented grammar): checked before anything is written, so a bad
// value is exit 2 naming the option instead of an object refused after the others were created.

/** DNS-1123 label (namespaces): lower-case alphanumerics and "-", at most 63, alphanumeric ends. */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

/** DNS-1123 subdomain (ConfigMap, claim, pod and storage class names): labels joined by ".", at most 253. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s);
}

/** DNS-1035 label (Service names): like a DNS-1123 label but starting with a letter. */
export function isDns1035Label(s: string): boolean {
  return s.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

/** A label value: at most 63, alphanumeric ends, "-", "_" and "." between (or empty). */
export function isLabelValue(s: string): boolean {
  return s.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(s);
}

/** A ConfigMap key: [-._a-zA-Z0-9]+, at most 253, not "." or "..". */
export function isConfigMapKey(s: string): boolean {
  return s.length <= 253 && /^[-._a-zA-Z0-9]+$/.test(s) && s !== '.' && s !== '..';
}

/**
 * A resource.Quantity in its serialised grammar: a number (no sign but "+"), then a binary-SI
 * suffix (Ki … Ei), a decimal-SI one (n u m "" k M G T P E) or a decimal exponent (e3, E-2).
 * "5GB", "1 Gi" and "1gi" are not quantities.
 */
export function isQuantity(s: string): boolean {
  return /^\+?(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/.test(s);
}

/** A quantity above zero (a volume claim's storage request). */
export function isPositiveQuantity(s: string): boolean {
  if (!isQuantity(s)) return false;
  const digits = /^\+?(\d+\.?\d*|\.\d+)/.exec(s)![1]!;
  return /[1-9]/.test(digits);
}

/**
 * An environment variable name render accepts: a shell-usable identifier (the API server also
 * takes "-" and "." in names, which k6's __ENV would carry but a shell could not set).
 */
export function isEnvName(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s);
}

/** An image reference as the API server checks it: present, no whitespace anywhere. */
export function isImage(s: string): boolean {
  return s.length > 0 && !/\s/.test(s);
}
