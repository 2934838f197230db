/** The package version, read from package.json (one level above src/ and dist/ alike). */
import { createRequire } from "node:module";

const pkg = createRequire(import.meta.url)("../package.json") as { version?: unknown };

export const VERSION: string = typeof pkg.version === "string" ? pkg.version : "0.0.0";
