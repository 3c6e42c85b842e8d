// The id a gate gets when its config gives none: the evaluator names gates with it, and the console
// and report lines leave it out (their sentence already says metric, expression, phase and window).

export interface GateIdParts {
  metric: string;
  expression: string;
  phase?: string | null;
  window?: string | null;
}

/** The id of a gate the user gave none: its metric, expression, phase and window. */
export function defaultGateId(g: GateIdParts): string {
  return `${g.metric}: ${g.expression}${g.phase ? ` [${g.phase}]` : ''}${g.window ? ` per ${g.window}` : ''}`;
}
