
use builtin;
use str;

set edit:completion:arg-completer[capfsh] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'capfsh'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'capfsh'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -f 'Run the commands in FILE, one per line'
            cand --file 'Run the commands in FILE, one per line'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand --keep-going 'In a script, run past failures (exit 1 if any failed)'
            cand -q 'In a script, do not warn about abbreviated commands'
            cand --quiet 'In a script, do not warn about abbreviated commands'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand help 'Describe a command: help <command>'
            cand set 'Change CLI settings'
            cand show 'Show settings and certificates'
            cand utils 'Utilities'
            cand completions 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
            cand man 'Print the capfsh(1) man page (roff)'
        }
        &'capfsh;help'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;set'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand cli 'CLI session settings'
        }
        &'capfsh;set;cli'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand pagination 'Turn paging of long output on or off'
        }
        &'capfsh;set;cli;pagination'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;show'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand capf 'CAPF settings and certificates'
        }
        &'capfsh;show;capf'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand audit 'Who changed the store, newest first'
            cand cert 'The CAPF CA certificate, with its PEM'
            cand keep_alive 'Show the keep-alive timer'
            cand lsc 'LSC report: all, expiring, or one device''s'
            cand online-ca 'Online CA (EST) settings, trust and last result'
            cand operation 'Scheduled certificate operations and their status'
            cand phone 'One device''s CAPF view'
            cand status 'CAPF mode, settings, CA and counts'
            cand trust 'External CAs trusted to issue LSCs'
        }
        &'capfsh;show;capf;audit'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;show;capf;cert'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand all 'Every CAPF CA certificate: active and retired'
        }
        &'capfsh;show;capf;cert;all'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;show;capf;keep_alive'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;show;capf;lsc'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand device 'LSCs of one device'
            cand expiring 'LSCs that expire within a number of days'
        }
        &'capfsh;show;capf;lsc;device'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;show;capf;lsc;expiring'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;show;capf;online-ca'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand requests 'Where each pending CSR stands with the online CA'
        }
        &'capfsh;show;capf;online-ca;requests'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;show;capf;operation'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;show;capf;phone'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;show;capf;status'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;show;capf;trust'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand capf 'Certificate Authority Proxy Function'
        }
        &'capfsh;utils;capf'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand backup 'Copy the store and its CA keys to a new folder'
            cand cert 'Certificates signed by an external CA'
            cand csr 'Pending certificate signing requests'
            cand lsc 'Issued LSCs: revoke, export'
            cand online-ca 'The online CA (EST server) of mode online'
            cand operation 'Per-device certificate operations for phones'
            cand set 'Change CAPF settings'
            cand stale-lsc 'LSCs issued but never installed'
            cand tidy 'Delete expired LSCs and superseded CSRs past a margin'
            cand trust 'CA certificates trusted to issue LSCs'
        }
        &'capfsh;utils;capf;backup'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;cert'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand import 'Import LSCs signed by an external CA'
        }
        &'capfsh;utils;capf;cert;import'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;csr'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand count 'Count pending CSRs'
            cand delete 'Delete pending CSRs: all, or one device''s'
            cand dump 'Show one pending CSR decoded, with its PEM'
            cand export 'Write pending CSRs as PEM files for an offline CA'
            cand list 'List pending CSRs, oldest first'
        }
        &'capfsh;utils;capf;csr;count'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;csr;delete'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;csr;dump'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;csr;export'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;csr;list'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;lsc'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand export 'Write LSCs as PEM files with their CA chain'
            cand revoke 'Revoke a device''s LSCs, or one LSC by serial'
        }
        &'capfsh;utils;capf;lsc;export'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;lsc;revoke'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand serial 'Revoke the LSC with this serial'
        }
        &'capfsh;utils;capf;lsc;revoke;serial'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;online-ca'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand cacerts 'Fetch the EST server''s CA certificates and trust them'
        }
        &'capfsh;utils;capf;online-ca;cacerts'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;operation'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand cancel 'Cancel a device''s operation (No Pending Operation)'
            cand delete 'Schedule the deletion of a device''s LSC'
            cand install 'Schedule Install/Upgrade of a device''s LSC'
            cand troubleshoot 'Schedule fetching the certificate a device holds'
        }
        &'capfsh;utils;capf;operation;cancel'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;operation;delete'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;operation;install'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand file 'Schedule Install/Upgrade for the devices of a CSV file'
        }
        &'capfsh;utils;capf;operation;install;file'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;operation;troubleshoot'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;set'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand keep_alive 'Set the CAPF-to-endpoint keep-alive timer'
            cand mode 'Set who issues LSCs: capf, online or offline CA'
            cand online-ca 'Set the online CA (EST server) capfd sends CSRs to'
            cand validity 'Set the validity of new LSCs in days'
        }
        &'capfsh;utils;capf;set;keep_alive'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;set;mode'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;set;online-ca'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;set;validity'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;stale-lsc'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand delete 'Delete stale LSCs: all, or one device''s'
            cand list 'List stale LSCs'
        }
        &'capfsh;utils;capf;stale-lsc;delete'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;stale-lsc;list'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;tidy'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;utils;capf;trust'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand import 'Trust a CA certificate to issue LSCs'
        }
        &'capfsh;utils;capf;trust;import'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'capfsh;completions'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'capfsh;man'= {
            cand --db 'Store to use [default: <data dir>/capfsh/capf.db]'
            cand --format 'Output format [default: table]'
            cand -y 'Answer yes to confirmations (same as noconfirm)'
            cand --yes 'Answer yes to confirmations (same as noconfirm)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
    ]
    $completions[$command]
}
