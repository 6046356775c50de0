import { AddressNotHereError, DevServerStartError, PortInUseError } from '../workers/dev-server';
import { TemporalBinaryMissingError } from '../workers/temporal-binaries';
import { CliError, InvalidInputError, RefusedError } from './errors';
import { EXIT } from './exit-codes';

/** Errors of starting the embedded server (`dev`, `server`) as the CLI reports them; anything else unchanged. */
export function embeddedServerError(err: unknown): unknown {
  if (err instanceof PortInUseError) {
    return new RefusedError(
      `${err.message}: another server (a running \`maestro dev\` or \`maestro server\`?) holds it; not starting a second one`,
      `Stop the other server, or pick free ports with --port / --ui-port. To use the running server, point TEMPORAL_ADDRESS at it.`,
    );
  }
  if (err instanceof AddressNotHereError) {
    return new InvalidInputError(`${err.message} (--ip, --ui-ip)`, 'Pass an address one of its interfaces has (`ip -brief address`, `ifconfig`): a LAN or tailnet address, 127.0.0.1 for this machine only, or 0.0.0.0 for every interface.');
  }
  if (err instanceof DevServerStartError || err instanceof TemporalBinaryMissingError) return new CliError(err.message, EXIT.runFailed);
  return err;
}
