// Reads {"cases": [[patch, ...], ...]} (JSON on stdin), where each patch is a list of
// RFC 6902 operations. Applies each case's patches in order to {} with fast-json-patch
// (operations validated) and writes, per case, the document after each patch as JSON.
import jsonpatch from "fast-json-patch";

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const { cases } = JSON.parse(input);
  const out = cases.map((patches) => {
    let doc = {};
    return patches.map((ops) => {
      // validate=true: a malformed or non-standard operation throws
      doc = jsonpatch.applyPatch(doc, ops, true, true).newDocument;
      return JSON.parse(JSON.stringify(doc));
    });
  });
  process.stdout.write(JSON.stringify(out));
});
