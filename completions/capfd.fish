# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_capfd_global_optspecs
    string join \n db= h/help V/version
end

function __fish_capfd_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_capfd_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_capfd_using_subcommand
    set -l cmd (__fish_capfd_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c capfd -n "__fish_capfd_needs_command" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfd -n "__fish_capfd_needs_command" -s h -l help -d 'Print help'
complete -c capfd -n "__fish_capfd_needs_command" -s V -l version -d 'Print version'
complete -c capfd -n "__fish_capfd_needs_command" -f -a "init" -d 'Create the CAPF CA certificate (key in a 0600 file beside the store)'
complete -c capfd -n "__fish_capfd_needs_command" -f -a "enroll" -d 'Take a phone\'s CSR (PEM or DER); in capf mode, sign and print its LSC'
complete -c capfd -n "__fish_capfd_needs_command" -f -a "installed" -d 'Record that a phone installed its LSC'
complete -c capfd -n "__fish_capfd_needs_command" -f -a "crl" -d 'Issue the CRL of revoked LSCs, signed by the CAPF CA (PEM)'
complete -c capfd -n "__fish_capfd_needs_command" -f -a "run" -d 'Run the engine: follow settings changes, sign pending CSRs in capf mode, send them to the online CA in online mode'
complete -c capfd -n "__fish_capfd_needs_command" -f -a "setup" -d 'Create or check the multi-user layout: owners, modes, ACLs, roles file'
complete -c capfd -n "__fish_capfd_needs_command" -f -a "restore" -d 'Restore a backup made by `utils capf backup` as the store --db names'
complete -c capfd -n "__fish_capfd_needs_command" -f -a "man" -d 'Print the capfd(1) man page (roff) on standard output'
complete -c capfd -n "__fish_capfd_needs_command" -f -a "completions" -d 'Print a shell completion script for capfd'
complete -c capfd -n "__fish_capfd_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c capfd -n "__fish_capfd_using_subcommand init" -l key -d 'Key type of the CA (LSCs are signed with SHA-256)' -r -f -a "ec-p256\t''
ec-p384\t''
ec-p521\t''
rsa-2048\t''
rsa-3072\t''
rsa-4096\t''"
complete -c capfd -n "__fish_capfd_using_subcommand init" -l org -d 'Organization (O) of the CA subject' -r
complete -c capfd -n "__fish_capfd_using_subcommand init" -l ou -d 'Organizational unit (OU) of the CA subject' -r
complete -c capfd -n "__fish_capfd_using_subcommand init" -l locality -d 'Locality (L) of the CA subject' -r
complete -c capfd -n "__fish_capfd_using_subcommand init" -l state -d 'State or province (ST) of the CA subject' -r
complete -c capfd -n "__fish_capfd_using_subcommand init" -l country -d 'Country (C) of the CA subject: two letters' -r
complete -c capfd -n "__fish_capfd_using_subcommand init" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand init" -l force -d 'Replace an existing CA (kept in the store as retired)'
complete -c capfd -n "__fish_capfd_using_subcommand init" -s h -l help -d 'Print help'
complete -c capfd -n "__fish_capfd_using_subcommand enroll" -l device -d 'Device name the CSR is for, e.g. SEP001122AABBCC' -r
complete -c capfd -n "__fish_capfd_using_subcommand enroll" -l csr -d 'The CSR file (PEM or DER, at most 64 KiB); - reads standard input' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand enroll" -l out -d 'Write the LSC PEM here instead of standard output' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand enroll" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand enroll" -s h -l help -d 'Print help'
complete -c capfd -n "__fish_capfd_using_subcommand installed" -l device -d 'Device that installed its LSC' -r
complete -c capfd -n "__fish_capfd_using_subcommand installed" -l serial -d 'Serial of the installed LSC [default: the newest one not stale]' -r
complete -c capfd -n "__fish_capfd_using_subcommand installed" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand installed" -s h -l help -d 'Print help'
complete -c capfd -n "__fish_capfd_using_subcommand crl" -l out -d 'Write the CRL here (replaced whole) instead of standard output' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand crl" -l days -d 'Days until the CRL\'s nextUpdate (1-366)' -r
complete -c capfd -n "__fish_capfd_using_subcommand crl" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand crl" -s h -l help -d 'Print help'
complete -c capfd -n "__fish_capfd_using_subcommand run" -l interval-ms -d 'How often the store is polled, in milliseconds (50-10000)' -r
complete -c capfd -n "__fish_capfd_using_subcommand run" -l listen -d 'Serve phones (CAPF protocol over TLS) here; repeatable; port 0 picks a free port [default: 0.0.0.0:3804]' -r
complete -c capfd -n "__fish_capfd_using_subcommand run" -l max-sessions -d 'Most phone sessions at once; more connections are closed at once and counted in the log' -r
complete -c capfd -n "__fish_capfd_using_subcommand run" -l handshake-timeout-ms -d 'Time a connecting peer has to complete the TLS handshake, in milliseconds' -r
complete -c capfd -n "__fish_capfd_using_subcommand run" -l keep-alive-unit-ms -d 'Length of one keep-alive minute (tests shorten it)' -r
complete -c capfd -n "__fish_capfd_using_subcommand run" -l est-timeout -d 'Online CA: most seconds one EST exchange may take (connect 10 s at most)' -r
complete -c capfd -n "__fish_capfd_using_subcommand run" -l est-retry -d 'Online CA: first wait after a server or network error, doubled at each further one' -r
complete -c capfd -n "__fish_capfd_using_subcommand run" -l est-retry-max -d 'Online CA: longest wait between tries, and the pause after a refusal' -r
complete -c capfd -n "__fish_capfd_using_subcommand run" -l crl -d 'Keep a CRL (PEM) current in FILE: reissued on each revocation and when half of its validity has passed' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand run" -l crl-days -d 'Days until the CRL\'s nextUpdate (1-366)' -r
complete -c capfd -n "__fish_capfd_using_subcommand run" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand run" -s h -l help -d 'Print help'
complete -c capfd -n "__fish_capfd_using_subcommand setup" -l admins -d 'Group whose members are admins (everything)' -r
complete -c capfd -n "__fish_capfd_using_subcommand setup" -l operators -d 'Group whose members are operators (all but CA and trust changes)' -r
complete -c capfd -n "__fish_capfd_using_subcommand setup" -l readers -d 'Group whose members may only read (show, list, dump, count)' -r
complete -c capfd -n "__fish_capfd_using_subcommand setup" -l service -d 'The account capfd runs as; it owns the store and the CA keys' -r
complete -c capfd -n "__fish_capfd_using_subcommand setup" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand setup" -l check -d 'Only report what differs from the layout; change nothing'
complete -c capfd -n "__fish_capfd_using_subcommand setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c capfd -n "__fish_capfd_using_subcommand restore" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand restore" -l force -d 'Replace an existing store (its CA key files are never replaced)'
complete -c capfd -n "__fish_capfd_using_subcommand restore" -s h -l help -d 'Print help'
complete -c capfd -n "__fish_capfd_using_subcommand man" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand man" -s h -l help -d 'Print help'
complete -c capfd -n "__fish_capfd_using_subcommand completions" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfd -n "__fish_capfd_using_subcommand completions" -s h -l help -d 'Print help'
complete -c capfd -n "__fish_capfd_using_subcommand help; and not __fish_seen_subcommand_from init enroll installed crl run setup restore man completions help" -f -a "init" -d 'Create the CAPF CA certificate (key in a 0600 file beside the store)'
complete -c capfd -n "__fish_capfd_using_subcommand help; and not __fish_seen_subcommand_from init enroll installed crl run setup restore man completions help" -f -a "enroll" -d 'Take a phone\'s CSR (PEM or DER); in capf mode, sign and print its LSC'
complete -c capfd -n "__fish_capfd_using_subcommand help; and not __fish_seen_subcommand_from init enroll installed crl run setup restore man completions help" -f -a "installed" -d 'Record that a phone installed its LSC'
complete -c capfd -n "__fish_capfd_using_subcommand help; and not __fish_seen_subcommand_from init enroll installed crl run setup restore man completions help" -f -a "crl" -d 'Issue the CRL of revoked LSCs, signed by the CAPF CA (PEM)'
complete -c capfd -n "__fish_capfd_using_subcommand help; and not __fish_seen_subcommand_from init enroll installed crl run setup restore man completions help" -f -a "run" -d 'Run the engine: follow settings changes, sign pending CSRs in capf mode, send them to the online CA in online mode'
complete -c capfd -n "__fish_capfd_using_subcommand help; and not __fish_seen_subcommand_from init enroll installed crl run setup restore man completions help" -f -a "setup" -d 'Create or check the multi-user layout: owners, modes, ACLs, roles file'
complete -c capfd -n "__fish_capfd_using_subcommand help; and not __fish_seen_subcommand_from init enroll installed crl run setup restore man completions help" -f -a "restore" -d 'Restore a backup made by `utils capf backup` as the store --db names'
complete -c capfd -n "__fish_capfd_using_subcommand help; and not __fish_seen_subcommand_from init enroll installed crl run setup restore man completions help" -f -a "man" -d 'Print the capfd(1) man page (roff) on standard output'
complete -c capfd -n "__fish_capfd_using_subcommand help; and not __fish_seen_subcommand_from init enroll installed crl run setup restore man completions help" -f -a "completions" -d 'Print a shell completion script for capfd'
complete -c capfd -n "__fish_capfd_using_subcommand help; and not __fish_seen_subcommand_from init enroll installed crl run setup restore man completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
