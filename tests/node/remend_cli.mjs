// Reads a JSON array of Markdown prefixes on stdin, writes remend(prefix) for each as JSON.
import remend from "remend";

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const mode = process.argv[2] || "heal";
  const prefixes = JSON.parse(input);
  if (mode === "bench") {
    // time remend over every prefix (the accumulated text after each chunk):
    // best of 5 passes in one process, so the JIT is warm
    let ns = Infinity;
    for (let round = 0; round < 5; round++) {
      const start = process.hrtime.bigint();
      for (const p of prefixes) remend(p);
      ns = Math.min(ns, Number(process.hrtime.bigint() - start));
    }
    process.stdout.write(JSON.stringify({ ns }));
    return;
  }
  process.stdout.write(JSON.stringify(prefixes.map((p) => remend(p))));
});
