/** The admin server was asked to listen beyond loopback without a token, or given a bad option. */
export class AdminConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AdminConfigError";
  }
}

/** The admin server could not listen (address in use, permission denied, ...). */
export class AdminListenError extends Error {
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number, options?: ErrorOptions) {
    const code = (options?.cause as NodeJS.ErrnoException | undefined)?.code;
    const why = code === "EADDRINUSE" ? "the address is in use" : code === "EACCES" ? "permission denied" : (code ?? "error");
    super(`admin API cannot listen on ${host.includes(":") ? `[${host}]` : host}:${port}: ${why}; choose another --admin-listen`, options);
    this.name = "AdminListenError";
    this.host = host;
    this.port = port;
  }
}
