/** What must never reach a terminal raw: C0 and C1 controls, DEL, bidi and line-breaking controls. */
export const UNSAFE_TERMINAL_TEXT =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
