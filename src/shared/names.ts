/**
 * What a name typed by a person may hold. Control characters (C0, DEL, C1) and the bidirectional
 * controls are refused: printed in a terminal or a report they can erase or reorder what is shown
 * around them (a name ending in `\r` and an ANSI sequence can overwrite its own "created" line).
 */
// eslint-disable-next-line no-control-regex
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u

export function unshowableCharacter(name: string): string | null {
  const m = UNSHOWABLE.exec(name)
  return m ? `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : null
}

export const NAME_CHARACTERS_MESSAGE = 'must not contain control or text-direction characters'
