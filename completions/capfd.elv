
use builtin;
use str;

set edit:completion:arg-completer[capfd] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'capfd'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'capfd'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create the CAPF CA certificate (key in a 0600 file beside the store)'
            cand enroll 'Take a phone''s CSR (PEM or DER); in capf mode, sign and print its LSC'
            cand installed 'Record that a phone installed its LSC'
            cand crl 'Issue the CRL of revoked LSCs, signed by the CAPF CA (PEM)'
            cand run 'Run the engine: follow settings changes, sign pending CSRs in capf mode, send them to the online CA in online mode'
            cand setup 'Create or check the multi-user layout: owners, modes, ACLs, roles file'
            cand restore 'Restore a backup made by `utils capf backup` as the store --db names'
            cand man 'Print the capfd(1) man page (roff) on standard output'
            cand completions 'Print a shell completion script for capfd'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'capfd;init'= {
            cand --key 'Key type of the CA (LSCs are signed with SHA-256)'
            cand --org 'Organization (O) of the CA subject'
            cand --ou 'Organizational unit (OU) of the CA subject'
            cand --locality 'Locality (L) of the CA subject'
            cand --state 'State or province (ST) of the CA subject'
            cand --country 'Country (C) of the CA subject: two letters'
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --force 'Replace an existing CA (kept in the store as retired)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'capfd;enroll'= {
            cand --device 'Device name the CSR is for, e.g. SEP001122AABBCC'
            cand --csr 'The CSR file (PEM or DER, at most 64 KiB); - reads standard input'
            cand --out 'Write the LSC PEM here instead of standard output'
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'capfd;installed'= {
            cand --device 'Device that installed its LSC'
            cand --serial 'Serial of the installed LSC [default: the newest one not stale]'
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'capfd;crl'= {
            cand --out 'Write the CRL here (replaced whole) instead of standard output'
            cand --days 'Days until the CRL''s nextUpdate (1-366)'
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'capfd;run'= {
            cand --interval-ms 'How often the store is polled, in milliseconds (50-10000)'
            cand --listen 'Serve phones (CAPF protocol over TLS) here; repeatable; port 0 picks a free port [default: 0.0.0.0:3804]'
            cand --max-sessions 'Most phone sessions at once; more connections are closed at once and counted in the log'
            cand --handshake-timeout-ms 'Time a connecting peer has to complete the TLS handshake, in milliseconds'
            cand --keep-alive-unit-ms 'Length of one keep-alive minute (tests shorten it)'
            cand --est-timeout 'Online CA: most seconds one EST exchange may take (connect 10 s at most)'
            cand --est-retry 'Online CA: first wait after a server or network error, doubled at each further one'
            cand --est-retry-max 'Online CA: longest wait between tries, and the pause after a refusal'
            cand --crl 'Keep a CRL (PEM) current in FILE: reissued on each revocation and when half of its validity has passed'
            cand --crl-days 'Days until the CRL''s nextUpdate (1-366)'
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'capfd;setup'= {
            cand --admins 'Group whose members are admins (everything)'
            cand --operators 'Group whose members are operators (all but CA and trust changes)'
            cand --readers 'Group whose members may only read (show, list, dump, count)'
            cand --service 'The account capfd runs as; it owns the store and the CA keys'
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --check 'Only report what differs from the layout; change nothing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfd;restore'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --force 'Replace an existing store (its CA key files are never replaced)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'capfd;man'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'capfd;completions'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'capfd;help'= {
            cand init 'Create the CAPF CA certificate (key in a 0600 file beside the store)'
            cand enroll 'Take a phone''s CSR (PEM or DER); in capf mode, sign and print its LSC'
            cand installed 'Record that a phone installed its LSC'
            cand crl 'Issue the CRL of revoked LSCs, signed by the CAPF CA (PEM)'
            cand run 'Run the engine: follow settings changes, sign pending CSRs in capf mode, send them to the online CA in online mode'
            cand setup 'Create or check the multi-user layout: owners, modes, ACLs, roles file'
            cand restore 'Restore a backup made by `utils capf backup` as the store --db names'
            cand man 'Print the capfd(1) man page (roff) on standard output'
            cand completions 'Print a shell completion script for capfd'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'capfd;help;init'= {
        }
        &'capfd;help;enroll'= {
        }
        &'capfd;help;installed'= {
        }
        &'capfd;help;crl'= {
        }
        &'capfd;help;run'= {
        }
        &'capfd;help;setup'= {
        }
        &'capfd;help;restore'= {
        }
        &'capfd;help;man'= {
        }
        &'capfd;help;completions'= {
        }
        &'capfd;help;help'= {
        }
    ]
    $completions[$command]
}
