/**
 * Splits text holding several JSON values back to back — `{…}{…}` with no delimiter (Zebra
 * WebSocket chunks, see zebra-iot-connector-events.json "concatenatedStreamEdgeCase") or
 * newline-delimited (Impinj HTTP stream) — into the text of each top-level object or array.
 * Text outside any object/array (other than whitespace) becomes a segment of its own so the
 * caller can reject it with its content. Never throws.
 */
export function splitJsonValues(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    if (c !== 123 && c !== 91) {
      // Stray text: up to the next opening brace/bracket.
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== 123 && text.charCodeAt(j) !== 91) j++;
      out.push(text.slice(i, j));
      i = j;
      continue;
    }
    let depth = 0;
    let inString = false;
    let j = i;
    for (; j < n; j++) {
      const d = text.charCodeAt(j);
      if (inString) {
        if (d === 92)
          j++; // backslash escapes the next character
        else if (d === 34) inString = false;
      } else if (d === 34) inString = true;
      else if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        depth--;
        if (depth === 0) break;
      }
    }
    out.push(text.slice(i, j + 1));
    i = j + 1;
  }
  return out;
}
