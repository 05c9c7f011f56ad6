
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'capfsh' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'capfsh'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'capfsh' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Run the commands in FILE, one per line')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Run the commands in FILE, one per line')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--keep-going', '--keep-going', [CompletionResultType]::ParameterName, 'In a script, run past failures (exit 1 if any failed)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'In a script, do not warn about abbreviated commands')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'In a script, do not warn about abbreviated commands')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Describe a command: help <command>')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change CLI settings')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show settings and certificates')
            [CompletionResult]::new('utils', 'utils', [CompletionResultType]::ParameterValue, 'Utilities')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the capfsh(1) man page (roff)')
            break
        }
        'capfsh;help' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;set' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('cli', 'cli', [CompletionResultType]::ParameterValue, 'CLI session settings')
            break
        }
        'capfsh;set;cli' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('pagination', 'pagination', [CompletionResultType]::ParameterValue, 'Turn paging of long output on or off')
            break
        }
        'capfsh;set;cli;pagination' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;show' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('capf', 'capf', [CompletionResultType]::ParameterValue, 'CAPF settings and certificates')
            break
        }
        'capfsh;show;capf' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Who changed the store, newest first')
            [CompletionResult]::new('cert', 'cert', [CompletionResultType]::ParameterValue, 'The CAPF CA certificate, with its PEM')
            [CompletionResult]::new('keep_alive', 'keep_alive', [CompletionResultType]::ParameterValue, 'Show the keep-alive timer')
            [CompletionResult]::new('lsc', 'lsc', [CompletionResultType]::ParameterValue, 'LSC report: all, expiring, or one device''s')
            [CompletionResult]::new('online-ca', 'online-ca', [CompletionResultType]::ParameterValue, 'Online CA (EST) settings, trust and last result')
            [CompletionResult]::new('operation', 'operation', [CompletionResultType]::ParameterValue, 'Scheduled certificate operations and their status')
            [CompletionResult]::new('phone', 'phone', [CompletionResultType]::ParameterValue, 'One device''s CAPF view')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'CAPF mode, settings, CA and counts')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'External CAs trusted to issue LSCs')
            break
        }
        'capfsh;show;capf;audit' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;show;capf;cert' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('all', 'all', [CompletionResultType]::ParameterValue, 'Every CAPF CA certificate: active and retired')
            break
        }
        'capfsh;show;capf;cert;all' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;show;capf;keep_alive' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;show;capf;lsc' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('device', 'device', [CompletionResultType]::ParameterValue, 'LSCs of one device')
            [CompletionResult]::new('expiring', 'expiring', [CompletionResultType]::ParameterValue, 'LSCs that expire within a number of days')
            break
        }
        'capfsh;show;capf;lsc;device' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;show;capf;lsc;expiring' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;show;capf;online-ca' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('requests', 'requests', [CompletionResultType]::ParameterValue, 'Where each pending CSR stands with the online CA')
            break
        }
        'capfsh;show;capf;online-ca;requests' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;show;capf;operation' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;show;capf;phone' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;show;capf;status' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;show;capf;trust' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('capf', 'capf', [CompletionResultType]::ParameterValue, 'Certificate Authority Proxy Function')
            break
        }
        'capfsh;utils;capf' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Copy the store and its CA keys to a new folder')
            [CompletionResult]::new('cert', 'cert', [CompletionResultType]::ParameterValue, 'Certificates signed by an external CA')
            [CompletionResult]::new('csr', 'csr', [CompletionResultType]::ParameterValue, 'Pending certificate signing requests')
            [CompletionResult]::new('lsc', 'lsc', [CompletionResultType]::ParameterValue, 'Issued LSCs: revoke, export')
            [CompletionResult]::new('online-ca', 'online-ca', [CompletionResultType]::ParameterValue, 'The online CA (EST server) of mode online')
            [CompletionResult]::new('operation', 'operation', [CompletionResultType]::ParameterValue, 'Per-device certificate operations for phones')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Change CAPF settings')
            [CompletionResult]::new('stale-lsc', 'stale-lsc', [CompletionResultType]::ParameterValue, 'LSCs issued but never installed')
            [CompletionResult]::new('tidy', 'tidy', [CompletionResultType]::ParameterValue, 'Delete expired LSCs and superseded CSRs past a margin')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'CA certificates trusted to issue LSCs')
            break
        }
        'capfsh;utils;capf;backup' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;cert' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import LSCs signed by an external CA')
            break
        }
        'capfsh;utils;capf;cert;import' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;csr' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('count', 'count', [CompletionResultType]::ParameterValue, 'Count pending CSRs')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete pending CSRs: all, or one device''s')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Show one pending CSR decoded, with its PEM')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write pending CSRs as PEM files for an offline CA')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List pending CSRs, oldest first')
            break
        }
        'capfsh;utils;capf;csr;count' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;csr;delete' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;csr;dump' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;csr;export' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;csr;list' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;lsc' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write LSCs as PEM files with their CA chain')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a device''s LSCs, or one LSC by serial')
            break
        }
        'capfsh;utils;capf;lsc;export' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;lsc;revoke' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('serial', 'serial', [CompletionResultType]::ParameterValue, 'Revoke the LSC with this serial')
            break
        }
        'capfsh;utils;capf;lsc;revoke;serial' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;online-ca' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('cacerts', 'cacerts', [CompletionResultType]::ParameterValue, 'Fetch the EST server''s CA certificates and trust them')
            break
        }
        'capfsh;utils;capf;online-ca;cacerts' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;operation' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a device''s operation (No Pending Operation)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Schedule the deletion of a device''s LSC')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Schedule Install/Upgrade of a device''s LSC')
            [CompletionResult]::new('troubleshoot', 'troubleshoot', [CompletionResultType]::ParameterValue, 'Schedule fetching the certificate a device holds')
            break
        }
        'capfsh;utils;capf;operation;cancel' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;operation;delete' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;operation;install' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('file', 'file', [CompletionResultType]::ParameterValue, 'Schedule Install/Upgrade for the devices of a CSV file')
            break
        }
        'capfsh;utils;capf;operation;install;file' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;operation;troubleshoot' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;set' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('keep_alive', 'keep_alive', [CompletionResultType]::ParameterValue, 'Set the CAPF-to-endpoint keep-alive timer')
            [CompletionResult]::new('mode', 'mode', [CompletionResultType]::ParameterValue, 'Set who issues LSCs: capf, online or offline CA')
            [CompletionResult]::new('online-ca', 'online-ca', [CompletionResultType]::ParameterValue, 'Set the online CA (EST server) capfd sends CSRs to')
            [CompletionResult]::new('validity', 'validity', [CompletionResultType]::ParameterValue, 'Set the validity of new LSCs in days')
            break
        }
        'capfsh;utils;capf;set;keep_alive' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;set;mode' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;set;online-ca' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;set;validity' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;stale-lsc' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete stale LSCs: all, or one device''s')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List stale LSCs')
            break
        }
        'capfsh;utils;capf;stale-lsc;delete' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;stale-lsc;list' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;tidy' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;utils;capf;trust' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Trust a CA certificate to issue LSCs')
            break
        }
        'capfsh;utils;capf;trust;import' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfsh;completions' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'capfsh;man' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: table]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (same as noconfirm)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
