/**
 * ICMP_PERMISSION_FIX: the exact remedy when raw ICMP sockets are not permitted. The pinger
 * puts it in its error message and diagnosis in the finding's fix, so both say the same.
 */
export const ICMP_PERMISSION_FIX =
  'run smtprobe as root, or grant node the raw-socket capability: sudo setcap cap_net_raw+ep $(readlink -f $(which node))';
