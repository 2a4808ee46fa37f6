/**
 * listenProblem: the one line for a server (serve, mock) that could not bind its address, or
 * undefined when `err` is not about the address. `instead` says what to do about it, in the
 * command's own flags.
 */
export function listenProblem(err: unknown, address: string, instead: string): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return `${address} is already in use (another smtprobe, or another server, listens there): stop it, or ${instead}`;
  if (code === 'EACCES') return `${address}: not allowed to listen there (ports below 1024 need root or CAP_NET_BIND_SERVICE): ${instead}`;
  if (code === 'EADDRNOTAVAIL') return `${address}: no interface of this machine has that address: ${instead}`;
  return undefined;
}
