/* Layer rules of docs/architecture.md "Layers": imports point down only.
   util <- gearman, jenkins, events <- bridge <- daemon <- cli; admin and simulator stand beside.
   The three adapters never import each other, and bridge imports only their index.ts. */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    { name: "util-is-a-leaf", severity: "error",
      from: { path: "^src/util/" }, to: { path: "^src/(?!util/)" } },
    { name: "adapters-know-nothing-of-each-other", severity: "error",
      from: { path: "^src/(gearman|jenkins|events)/" },
      to: { path: "^src/(?!util/|$1/)", pathNot: "^src/(gearman|jenkins|events)/" } },
    { name: "gearman-is-alone", severity: "error", from: { path: "^src/gearman/" }, to: { path: "^src/(jenkins|events|bridge|admin|simulator)/" } },
    { name: "jenkins-is-alone", severity: "error", from: { path: "^src/jenkins/" }, to: { path: "^src/(gearman|events|bridge|admin|simulator)/" } },
    { name: "events-is-alone", severity: "error", from: { path: "^src/events/" }, to: { path: "^src/(gearman|jenkins|bridge|admin|simulator)/" } },
    { name: "bridge-uses-adapter-index-only", severity: "error",
      from: { path: "^src/bridge/" }, to: { path: "^src/(gearman|jenkins|events)/(?!index\\.ts$)" } },
    { name: "bridge-has-no-sockets-or-http", severity: "error",
      from: { path: "^src/bridge/" }, to: { path: "^(node:)?(net|http|https|tls|dgram)$|^zeromq$", dependencyTypes: ["core", "npm"] } },
    { name: "simulator-stands-alone", severity: "error",
      from: { path: "^src/simulator/" }, to: { path: "^src/(gearman|jenkins|events|bridge|admin|daemon|cli)" } },
    { name: "preflight-uses-util-jenkins-bridge-indexes", severity: "error",
      comment: "check's analysis: pure, on util/, jenkins/index.ts and bridge/index.ts only (the bridge's internals are the lead's)",
      from: { path: "^src/preflight/" },
      to: { path: "^src/", pathNot: "^src/(preflight/|util/|jenkins/index\\.ts$|bridge/index\\.ts$)" } },
    { name: "preflight-has-no-io", severity: "error",
      from: { path: "^src/preflight/" }, to: { path: "^(node:)?(net|http|https|tls|dgram|fs|fs/promises|child_process)$|^zeromq$", dependencyTypes: ["core", "npm"] } },
    { name: "only-cli-imports-preflight", severity: "error",
      from: { path: "^src/(?!cli|preflight/)" }, to: { path: "^src/preflight/" } },
    { name: "nothing-imports-cli", severity: "error",
      from: { pathNot: "^src/cli" }, to: { path: "^src/cli" } },
    { name: "adapters-and-bridge-do-not-import-daemon", severity: "error",
      from: { path: "^src/(util|gearman|jenkins|events|bridge|admin|simulator)/" }, to: { path: "^src/daemon" } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
