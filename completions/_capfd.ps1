
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'capfd' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'capfd'
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
        'capfd' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the CAPF CA certificate (key in a 0600 file beside the store)')
            [CompletionResult]::new('enroll', 'enroll', [CompletionResultType]::ParameterValue, 'Take a phone''s CSR (PEM or DER); in capf mode, sign and print its LSC')
            [CompletionResult]::new('installed', 'installed', [CompletionResultType]::ParameterValue, 'Record that a phone installed its LSC')
            [CompletionResult]::new('crl', 'crl', [CompletionResultType]::ParameterValue, 'Issue the CRL of revoked LSCs, signed by the CAPF CA (PEM)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run the engine: follow settings changes, sign pending CSRs in capf mode, send them to the online CA in online mode')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Create or check the multi-user layout: owners, modes, ACLs, roles file')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup made by `utils capf backup` as the store --db names')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the capfd(1) man page (roff) on standard output')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script for capfd')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'capfd;init' {
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Key type of the CA (LSCs are signed with SHA-256)')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Organization (O) of the CA subject')
            [CompletionResult]::new('--ou', '--ou', [CompletionResultType]::ParameterName, 'Organizational unit (OU) of the CA subject')
            [CompletionResult]::new('--locality', '--locality', [CompletionResultType]::ParameterName, 'Locality (L) of the CA subject')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'State or province (ST) of the CA subject')
            [CompletionResult]::new('--country', '--country', [CompletionResultType]::ParameterName, 'Country (C) of the CA subject: two letters')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing CA (kept in the store as retired)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'capfd;enroll' {
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'Device name the CSR is for, e.g. SEP001122AABBCC')
            [CompletionResult]::new('--csr', '--csr', [CompletionResultType]::ParameterName, 'The CSR file (PEM or DER, at most 64 KiB); - reads standard input')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the LSC PEM here instead of standard output')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'capfd;installed' {
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'Device that installed its LSC')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'Serial of the installed LSC [default: the newest one not stale]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'capfd;crl' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the CRL here (replaced whole) instead of standard output')
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'Days until the CRL''s nextUpdate (1-366)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'capfd;run' {
            [CompletionResult]::new('--interval-ms', '--interval-ms', [CompletionResultType]::ParameterName, 'How often the store is polled, in milliseconds (50-10000)')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Serve phones (CAPF protocol over TLS) here; repeatable; port 0 picks a free port [default: 0.0.0.0:3804]')
            [CompletionResult]::new('--max-sessions', '--max-sessions', [CompletionResultType]::ParameterName, 'Most phone sessions at once; more connections are closed at once and counted in the log')
            [CompletionResult]::new('--handshake-timeout-ms', '--handshake-timeout-ms', [CompletionResultType]::ParameterName, 'Time a connecting peer has to complete the TLS handshake, in milliseconds')
            [CompletionResult]::new('--keep-alive-unit-ms', '--keep-alive-unit-ms', [CompletionResultType]::ParameterName, 'Length of one keep-alive minute (tests shorten it)')
            [CompletionResult]::new('--est-timeout', '--est-timeout', [CompletionResultType]::ParameterName, 'Online CA: most seconds one EST exchange may take (connect 10 s at most)')
            [CompletionResult]::new('--est-retry', '--est-retry', [CompletionResultType]::ParameterName, 'Online CA: first wait after a server or network error, doubled at each further one')
            [CompletionResult]::new('--est-retry-max', '--est-retry-max', [CompletionResultType]::ParameterName, 'Online CA: longest wait between tries, and the pause after a refusal')
            [CompletionResult]::new('--crl', '--crl', [CompletionResultType]::ParameterName, 'Keep a CRL (PEM) current in FILE: reissued on each revocation and when half of its validity has passed')
            [CompletionResult]::new('--crl-days', '--crl-days', [CompletionResultType]::ParameterName, 'Days until the CRL''s nextUpdate (1-366)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'capfd;setup' {
            [CompletionResult]::new('--admins', '--admins', [CompletionResultType]::ParameterName, 'Group whose members are admins (everything)')
            [CompletionResult]::new('--operators', '--operators', [CompletionResultType]::ParameterName, 'Group whose members are operators (all but CA and trust changes)')
            [CompletionResult]::new('--readers', '--readers', [CompletionResultType]::ParameterName, 'Group whose members may only read (show, list, dump, count)')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'The account capfd runs as; it owns the store and the CA keys')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Only report what differs from the layout; change nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'capfd;restore' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing store (its CA key files are never replaced)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'capfd;man' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'capfd;completions' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'Store to use [default: <data dir>/capfsh/capf.db]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'capfd;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the CAPF CA certificate (key in a 0600 file beside the store)')
            [CompletionResult]::new('enroll', 'enroll', [CompletionResultType]::ParameterValue, 'Take a phone''s CSR (PEM or DER); in capf mode, sign and print its LSC')
            [CompletionResult]::new('installed', 'installed', [CompletionResultType]::ParameterValue, 'Record that a phone installed its LSC')
            [CompletionResult]::new('crl', 'crl', [CompletionResultType]::ParameterValue, 'Issue the CRL of revoked LSCs, signed by the CAPF CA (PEM)')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run the engine: follow settings changes, sign pending CSRs in capf mode, send them to the online CA in online mode')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Create or check the multi-user layout: owners, modes, ACLs, roles file')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup made by `utils capf backup` as the store --db names')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the capfd(1) man page (roff) on standard output')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script for capfd')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'capfd;help;init' {
            break
        }
        'capfd;help;enroll' {
            break
        }
        'capfd;help;installed' {
            break
        }
        'capfd;help;crl' {
            break
        }
        'capfd;help;run' {
            break
        }
        'capfd;help;setup' {
            break
        }
        'capfd;help;restore' {
            break
        }
        'capfd;help;man' {
            break
        }
        'capfd;help;completions' {
            break
        }
        'capfd;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
