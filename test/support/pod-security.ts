// The Pod Security Standards' `baseline` and `restricted` rules (kubernetes.io/docs/concepts/
// security/pod-security-standards, policy version "latest") as checks over a pod spec: what a
// namespace labelled pod-security.kubernetes.io/enforce=restricted refuses. Each violation names
// the field, so a test shows which rule a rendered pod breaks.

const BASELINE_CAPS = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/** Every rule of `restricted` (which includes `baseline`) the pod spec breaks; empty: it passes. */
export function restrictedViolations(spec: any): string[] {
  const v: string[] = [];
  const pod = spec.securityContext ?? {};
  const containers: Array<[string, any]> = [
    ...(spec.containers ?? []).map((c: any, i: number) => [`containers[${i}]`, c] as [string, any]),
    ...(spec.initContainers ?? []).map((c: any, i: number) => [`initContainers[${i}]`, c] as [string, any]),
    ...(spec.ephemeralContainers ?? []).map((c: any, i: number) => [`ephemeralContainers[${i}]`, c] as [string, any]),
  ];
  if (containers.length === 0) v.push('no containers');

  // ---- baseline
  if (pod.windowsOptions?.hostProcess === true) v.push('securityContext.windowsOptions.hostProcess: must not be true');
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f] === true) v.push(`${f}: must not be true`);
  for (const vol of spec.volumes ?? []) if (vol.hostPath !== undefined) v.push(`volumes[${vol.name}]: hostPath is not allowed`);
  const seLinux = (where: string, o: any) => {
    if (!o) return;
    if (!SELINUX_TYPES.has(o.type ?? '')) v.push(`${where}.seLinuxOptions.type: ${o.type} is not allowed`);
    if (o.user !== undefined && o.user !== '') v.push(`${where}.seLinuxOptions.user: must be unset`);
    if (o.role !== undefined && o.role !== '') v.push(`${where}.seLinuxOptions.role: must be unset`);
  };
  seLinux('securityContext', pod.seLinuxOptions);
  const appArmor = (where: string, p: any) => {
    if (p && p.type !== 'RuntimeDefault' && p.type !== 'Localhost') v.push(`${where}.appArmorProfile.type: ${p.type} is not allowed`);
  };
  appArmor('securityContext', pod.appArmorProfile);
  for (const s of pod.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) v.push(`securityContext.sysctls: ${s.name} is not a safe sysctl`);

  // ---- restricted
  for (const vol of spec.volumes ?? []) {
    const kinds = Object.keys(vol).filter((k) => k !== 'name');
    for (const k of kinds) if (!RESTRICTED_VOLUMES.has(k)) v.push(`volumes[${vol.name}]: volume type ${k} is not allowed`);
  }
  if (pod.runAsUser === 0) v.push('securityContext.runAsUser: must not be 0');
  const podNonRoot = pod.runAsNonRoot === true;
  const podSeccomp = pod.seccompProfile?.type;
  if (podSeccomp !== undefined && podSeccomp !== 'RuntimeDefault' && podSeccomp !== 'Localhost') v.push(`securityContext.seccompProfile.type: ${podSeccomp} is not allowed`);

  for (const [where, c] of containers) {
    const sc = c.securityContext ?? {};
    if (sc.windowsOptions?.hostProcess === true) v.push(`${where}.securityContext.windowsOptions.hostProcess: must not be true`);
    if (sc.privileged === true) v.push(`${where}.securityContext.privileged: must not be true`);
    for (const cap of sc.capabilities?.add ?? []) if (!BASELINE_CAPS.has(cap)) v.push(`${where}.securityContext.capabilities.add: ${cap} is not allowed (baseline)`);
    for (const p of c.ports ?? []) if (p.hostPort !== undefined && p.hostPort !== 0) v.push(`${where}.ports: hostPort ${p.hostPort} is not allowed`);
    seLinux(`${where}.securityContext`, sc.seLinuxOptions);
    appArmor(`${where}.securityContext`, sc.appArmorProfile);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') v.push(`${where}.securityContext.procMount: must be Default`);

    if (sc.allowPrivilegeEscalation !== false) v.push(`${where}.securityContext.allowPrivilegeEscalation: must be false`);
    if (sc.runAsNonRoot === false || (!podNonRoot && sc.runAsNonRoot !== true))
      v.push(`${where}.securityContext.runAsNonRoot: must be true (here or in the pod's securityContext)`);
    if (sc.runAsUser === 0) v.push(`${where}.securityContext.runAsUser: must not be 0`);
    const seccomp = sc.seccompProfile?.type;
    if (seccomp !== undefined && seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${where}.securityContext.seccompProfile.type: ${seccomp} is not allowed`);
    if (seccomp === undefined && podSeccomp === undefined)
      v.push(`${where}.securityContext.seccompProfile: RuntimeDefault or Localhost must be set (here or in the pod's securityContext)`);
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) v.push(`${where}.securityContext.capabilities.drop: must include ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') v.push(`${where}.securityContext.capabilities.add: only NET_BIND_SERVICE is allowed`);
  }
  return v;
}
