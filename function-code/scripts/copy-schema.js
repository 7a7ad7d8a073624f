// Copies the one lead schema (repo root schemas/) into the package, where src/lead/schema.ts finds it.
const fs = require("fs");
const path = require("path");

const from = path.join(__dirname, "..", "..", "schemas", "marketplace-lead.schema.json");
const to = path.join(__dirname, "..", "dist", "schemas", "marketplace-lead.schema.json");
fs.mkdirSync(path.dirname(to), { recursive: true });
fs.copyFileSync(from, to);
console.log(`copied ${path.relative(process.cwd(), from)} -> ${path.relative(process.cwd(), to)}`);
