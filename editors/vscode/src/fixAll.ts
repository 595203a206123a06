// "drydock: Fix All Auto-fixable Problems": asks the server for its `source.fixAll.drydock` code
// action on the whole document and applies its edit. The protocol part lives here, without a
// `vscode` import, so that the tests can run it against the real server under plain Node.

/** The code action kind of drydock's fix-all action. */
export const FIX_ALL_KIND = "source.fixAll.drydock";

/** A position in LSP terms. */
export interface Position {
  line: number;
  character: number;
}

/** The `textDocument/codeAction` parameters asking only for the fix-all action, for a document
 *  whose last line is `lastLine` with `lastLineLength` UTF-16 code units. */
export function fixAllParams(uri: string, lastLine: number, lastLineLength: number): object {
  return {
    textDocument: { uri },
    range: {
      start: { line: 0, character: 0 },
      end: { line: lastLine, character: lastLineLength },
    },
    context: { diagnostics: [], only: [FIX_ALL_KIND], triggerKind: 1 },
  };
}

/** The fix-all action's workspace edit in a `textDocument/codeAction` answer, if there is one
 *  (the answer may mix commands and actions; only an action of our kind with an edit counts). */
export function pickFixAllEdit(answer: unknown): object | undefined {
  if (!Array.isArray(answer)) {
    return undefined;
  }
  for (const item of answer) {
    if (
      typeof item === "object" &&
      item !== null &&
      (item as { kind?: unknown }).kind === FIX_ALL_KIND &&
      typeof (item as { edit?: unknown }).edit === "object" &&
      (item as { edit?: unknown }).edit !== null
    ) {
      return (item as { edit: object }).edit;
    }
  }
  return undefined;
}
