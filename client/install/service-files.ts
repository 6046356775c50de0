/** The files that make a node worker a system service: a systemd unit (Linux) or a LaunchDaemon plist (macOS), and its environment. */

export interface ServiceSpec {
  /** Service name, e.g. `maestro-worker-macpro51`. */
  name: string;
  /** What the service runs: nodes and/or the orchestrator. */
  description: string;
  /** Absolute argv: node, bin/maestro.js, `worker`, flags. */
  argv: string[];
  /** The OS user the worker (and every step command) runs as. */
  user: string;
  /** Working directory of the worker. */
  workingDirectory: string;
  /** Environment of the worker: connection, trust, payload key, `fromEnv` values. */
  env: Record<string, string>;
  /** Where systemd reads `env` from (the unit names it; the file holds secrets: mode 0600). */
  envFile: string;
  /** Where launchd writes the worker's output. */
  logFile: string;
  /** A `file://` link to the README of this installation (its cluster guide). */
  documentation: string;
  /** How long a stop waits before SIGKILL: the workers' shutdown grace plus a margin. */
  stopTimeoutSeconds: number;
}

/** systemd quotes arguments with spaces or specials in double quotes, backslash-escaping `"` and `\`. */
function systemdQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\$/g, '$$$$').replace(/%/g, '%%')}"`;
}

/** `KEY=value` lines as systemd's EnvironmentFile reads them (values double-quoted). */
export function envFileText(env: Record<string, string>): string {
  const lines = Object.entries(env).map(([k, v]) => `${k}="${v.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`);
  return ['# Environment of the Maestro worker service (written by `maestro worker --install`). Holds secrets: keep it 0600.', ...lines, ''].join('\n');
}

export function systemdUnit(spec: ServiceSpec): string {
  return [
    '[Unit]',
    `Description=Cluster Maestro worker (${spec.description})`,
    `Documentation=${spec.documentation}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `User=${spec.user}`,
    `WorkingDirectory=${spec.workingDirectory}`,
    `EnvironmentFile=${spec.envFile}`,
    `ExecStart=${spec.argv.map(systemdQuote).join(' ')}`,
    'Restart=always',
    'RestartSec=5',
    // SIGTERM to the worker only: it stops polling and lets running steps finish (their commands
    // run in their own process groups); whatever is left after the timeout is killed.
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${spec.stopTimeoutSeconds}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function launchdPlist(spec: ServiceSpec): string {
  const strings = (values: string[], indent: string) => values.map((v) => `${indent}<string>${xml(v)}</string>`).join('\n');
  const env = Object.entries(spec.env)
    .map(([k, v]) => `      <key>${xml(k)}</key>\n      <string>${xml(v)}</string>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
  <dict>
    <key>Label</key>
    <string>${xml(launchdLabel(spec.name))}</string>
    <key>ProgramArguments</key>
    <array>
${strings(spec.argv, '      ')}
    </array>
    <key>UserName</key>
    <string>${xml(spec.user)}</string>
    <key>WorkingDirectory</key>
    <string>${xml(spec.workingDirectory)}</string>
    <key>EnvironmentVariables</key>
    <dict>
${env}
    </dict>
    <key>RunAtLoad</key>
    <true/>
    <key>KeepAlive</key>
    <true/>
    <key>ThrottleInterval</key>
    <integer>5</integer>
    <key>ExitTimeOut</key>
    <integer>${spec.stopTimeoutSeconds}</integer>
    <key>StandardOutPath</key>
    <string>${xml(spec.logFile)}</string>
    <key>StandardErrorPath</key>
    <string>${xml(spec.logFile)}</string>
  </dict>
</plist>
`;
}

/** launchd labels are reverse-DNS. */
export function launchdLabel(name: string): string {
  return `dev.cluster-maestro.${name}`;
}
