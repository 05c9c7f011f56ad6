# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_capfsh_global_optspecs
    string join \n db= format= y/yes f/file= keep-going q/quiet h/help V/version
end

function __fish_capfsh_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_capfsh_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_capfsh_using_subcommand
    set -l cmd (__fish_capfsh_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_needs_command" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_needs_command" -l format -d 'Output format [default: table]' -r -f -a "table\t''
json\t''
csv\t''"
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_needs_command" -s f -l file -d 'Run the commands in FILE, one per line' -r -F
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_needs_command" -s y -l yes -d 'Answer yes to confirmations (same as noconfirm)'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_needs_command" -l keep-going -d 'In a script, run past failures (exit 1 if any failed)'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_needs_command" -s q -l quiet -d 'In a script, do not warn about abbreviated commands'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_needs_command" -s V -l version -d 'Print version'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand help" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand help" -l format -d 'Output format [default: table]' -r -f -a "table\t''
json\t''
csv\t''"
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand help" -s y -l yes -d 'Answer yes to confirmations (same as noconfirm)'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand set; and not __fish_seen_subcommand_from cli" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand set; and not __fish_seen_subcommand_from cli" -l format -d 'Output format [default: table]' -r -f -a "table\t''
json\t''
csv\t''"
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand set; and not __fish_seen_subcommand_from cli" -s y -l yes -d 'Answer yes to confirmations (same as noconfirm)'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand set; and not __fish_seen_subcommand_from cli" -s h -l help -d 'Print help'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand set; and __fish_seen_subcommand_from cli" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand set; and __fish_seen_subcommand_from cli" -l format -d 'Output format [default: table]' -r -f -a "table\t''
json\t''
csv\t''"
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand set; and __fish_seen_subcommand_from cli" -s y -l yes -d 'Answer yes to confirmations (same as noconfirm)'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand set; and __fish_seen_subcommand_from cli" -s h -l help -d 'Print help'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand show; and not __fish_seen_subcommand_from capf" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand show; and not __fish_seen_subcommand_from capf" -l format -d 'Output format [default: table]' -r -f -a "table\t''
json\t''
csv\t''"
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand show; and not __fish_seen_subcommand_from capf" -s y -l yes -d 'Answer yes to confirmations (same as noconfirm)'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand show; and not __fish_seen_subcommand_from capf" -s h -l help -d 'Print help'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand show; and __fish_seen_subcommand_from capf" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand show; and __fish_seen_subcommand_from capf" -l format -d 'Output format [default: table]' -r -f -a "table\t''
json\t''
csv\t''"
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand show; and __fish_seen_subcommand_from capf" -s y -l yes -d 'Answer yes to confirmations (same as noconfirm)'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand show; and __fish_seen_subcommand_from capf" -s h -l help -d 'Print help'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand utils; and not __fish_seen_subcommand_from capf" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand utils; and not __fish_seen_subcommand_from capf" -l format -d 'Output format [default: table]' -r -f -a "table\t''
json\t''
csv\t''"
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand utils; and not __fish_seen_subcommand_from capf" -s y -l yes -d 'Answer yes to confirmations (same as noconfirm)'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand utils; and not __fish_seen_subcommand_from capf" -s h -l help -d 'Print help'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand utils; and __fish_seen_subcommand_from capf" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand utils; and __fish_seen_subcommand_from capf" -l format -d 'Output format [default: table]' -r -f -a "table\t''
json\t''
csv\t''"
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand utils; and __fish_seen_subcommand_from capf" -s y -l yes -d 'Answer yes to confirmations (same as noconfirm)'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand utils; and __fish_seen_subcommand_from capf" -s h -l help -d 'Print help'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand completions" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand completions" -l format -d 'Output format [default: table]' -r -f -a "table\t''
json\t''
csv\t''"
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand completions" -s y -l yes -d 'Answer yes to confirmations (same as noconfirm)'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand completions" -s h -l help -d 'Print help'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand man" -l db -d 'Store to use [default: <data dir>/capfsh/capf.db]' -r -F
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand man" -l format -d 'Output format [default: table]' -r -f -a "table\t''
json\t''
csv\t''"
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand man" -s y -l yes -d 'Answer yes to confirmations (same as noconfirm)'
complete -c capfsh -n "not __capfsh_keyword_zone; and __fish_capfsh_using_subcommand man" -s h -l help -d 'Print help'

# The command words before the cursor, capfsh's own options left out.
function __capfsh_given
    set -l skip_next 0
    for w in (commandline -opc)[2..-1]
        if test $skip_next = 1
            set skip_next 0
            continue
        end
        switch $w
            case --db --format --file -f
                set skip_next 1
            case '-*'
            case '*'
                echo $w
        end
    end
end

# Whether the words before the cursor are the command words $argv[2..] and $argv[1] values.
function __capfsh_at
    set -l given (__capfsh_given)
    set -l n (math (count $argv) - 1)
    test (count $given) -eq (math $n + $argv[1]); or return 1
    test $n -eq 0; and return 0
    test "$given[1..$n]" = "$argv[2..-1]"
end

complete -c capfsh -n "__capfsh_at 0" -f -a 'help' -d 'Describe a command: help <command>'
complete -c capfsh -n "__capfsh_at 0" -f -a 'set' -d 'Change CLI settings'
complete -c capfsh -n "__capfsh_at 0" -f -a 'show' -d 'Show settings and certificates'
complete -c capfsh -n "__capfsh_at 0" -f -a 'utils' -d 'Utilities'
complete -c capfsh -n "__capfsh_at 0" -f -a 'completions' -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c capfsh -n "__capfsh_at 0" -f -a 'man' -d 'Print the capfsh(1) man page (roff)'
complete -c capfsh -n "__capfsh_at 0 set" -f -a 'cli' -d 'CLI session settings'
complete -c capfsh -n "__capfsh_at 0 set cli" -f -a 'pagination' -d 'Turn paging of long output on or off'
complete -c capfsh -n "__capfsh_at 0 set cli pagination" -f -a 'on'
complete -c capfsh -n "__capfsh_at 0 set cli pagination" -f -a 'off'
complete -c capfsh -n "__capfsh_at 0 show" -f -a 'capf' -d 'CAPF settings and certificates'
complete -c capfsh -n "__capfsh_at 0 show capf" -f -a 'audit' -d 'Who changed the store, newest first'
complete -c capfsh -n "__capfsh_at 0 show capf" -f -a 'cert' -d 'The CAPF CA certificate, with its PEM'
complete -c capfsh -n "__capfsh_at 0 show capf" -f -a 'keep_alive' -d 'Show the keep-alive timer'
complete -c capfsh -n "__capfsh_at 0 show capf" -f -a 'lsc' -d 'LSC report: all, expiring, or one device\'s'
complete -c capfsh -n "__capfsh_at 0 show capf" -f -a 'online-ca' -d 'Online CA (EST) settings, trust and last result'
complete -c capfsh -n "__capfsh_at 0 show capf" -f -a 'operation' -d 'Scheduled certificate operations and their status'
complete -c capfsh -n "__capfsh_at 0 show capf" -f -a 'phone' -d 'One device\'s CAPF view'
complete -c capfsh -n "__capfsh_at 0 show capf" -f -a 'status' -d 'CAPF mode, settings, CA and counts'
complete -c capfsh -n "__capfsh_at 0 show capf" -f -a 'trust' -d 'External CAs trusted to issue LSCs'
complete -c capfsh -n "__capfsh_at 0 show capf cert" -f -a 'all' -d 'Every CAPF CA certificate: active and retired'
complete -c capfsh -n "__capfsh_at 0 show capf lsc" -f -a 'device' -d 'LSCs of one device'
complete -c capfsh -n "__capfsh_at 0 show capf lsc" -f -a 'expiring' -d 'LSCs that expire within a number of days'
complete -c capfsh -n "__capfsh_at 1 show capf lsc device" -f -a 'pem'
complete -c capfsh -n "__capfsh_at 0 show capf online-ca" -f -a 'requests' -d 'Where each pending CSR stands with the online CA'
complete -c capfsh -n "__capfsh_at 0 utils" -f -a 'capf' -d 'Certificate Authority Proxy Function'
complete -c capfsh -n "__capfsh_at 0 utils capf" -f -a 'backup' -d 'Copy the store and its CA keys to a new folder'
complete -c capfsh -n "__capfsh_at 0 utils capf" -f -a 'cert' -d 'Certificates signed by an external CA'
complete -c capfsh -n "__capfsh_at 0 utils capf" -f -a 'csr' -d 'Pending certificate signing requests'
complete -c capfsh -n "__capfsh_at 0 utils capf" -f -a 'lsc' -d 'Issued LSCs: revoke, export'
complete -c capfsh -n "__capfsh_at 0 utils capf" -f -a 'online-ca' -d 'The online CA (EST server) of mode online'
complete -c capfsh -n "__capfsh_at 0 utils capf" -f -a 'operation' -d 'Per-device certificate operations for phones'
complete -c capfsh -n "__capfsh_at 0 utils capf" -f -a 'set' -d 'Change CAPF settings'
complete -c capfsh -n "__capfsh_at 0 utils capf" -f -a 'stale-lsc' -d 'LSCs issued but never installed'
complete -c capfsh -n "__capfsh_at 0 utils capf" -f -a 'tidy' -d 'Delete expired LSCs and superseded CSRs past a margin'
complete -c capfsh -n "__capfsh_at 0 utils capf" -f -a 'trust' -d 'CA certificates trusted to issue LSCs'
complete -c capfsh -n "__capfsh_at 0 utils capf cert" -f -a 'import' -d 'Import LSCs signed by an external CA'
complete -c capfsh -n "__capfsh_at 0 utils capf csr" -f -a 'count' -d 'Count pending CSRs'
complete -c capfsh -n "__capfsh_at 0 utils capf csr" -f -a 'delete' -d 'Delete pending CSRs: all, or one device\'s'
complete -c capfsh -n "__capfsh_at 0 utils capf csr" -f -a 'dump' -d 'Show one pending CSR decoded, with its PEM'
complete -c capfsh -n "__capfsh_at 0 utils capf csr" -f -a 'export' -d 'Write pending CSRs as PEM files for an offline CA'
complete -c capfsh -n "__capfsh_at 0 utils capf csr" -f -a 'list' -d 'List pending CSRs, oldest first'
complete -c capfsh -n "__capfsh_at 1 utils capf csr delete" -f -a 'noconfirm'
complete -c capfsh -n "__capfsh_at 0 utils capf lsc" -f -a 'export' -d 'Write LSCs as PEM files with their CA chain'
complete -c capfsh -n "__capfsh_at 0 utils capf lsc" -f -a 'revoke' -d 'Revoke a device\'s LSCs, or one LSC by serial'
complete -c capfsh -n "__capfsh_at 2 utils capf lsc export" -f -a 'chain'
complete -c capfsh -n "__capfsh_at 2 utils capf lsc export" -f -a 'nochain'
complete -c capfsh -n "__capfsh_at 0 utils capf lsc revoke" -f -a 'serial' -d 'Revoke the LSC with this serial'
complete -c capfsh -n "__capfsh_at 0 utils capf online-ca" -f -a 'cacerts' -d 'Fetch the EST server\'s CA certificates and trust them'
complete -c capfsh -n "__capfsh_at 0 utils capf online-ca cacerts" -f -a 'noconfirm'
complete -c capfsh -n "__capfsh_at 0 utils capf operation" -f -a 'cancel' -d 'Cancel a device\'s operation (No Pending Operation)'
complete -c capfsh -n "__capfsh_at 0 utils capf operation" -f -a 'delete' -d 'Schedule the deletion of a device\'s LSC'
complete -c capfsh -n "__capfsh_at 0 utils capf operation" -f -a 'install' -d 'Schedule Install/Upgrade of a device\'s LSC'
complete -c capfsh -n "__capfsh_at 0 utils capf operation" -f -a 'troubleshoot' -d 'Schedule fetching the certificate a device holds'
complete -c capfsh -n "__capfsh_at 0 utils capf operation install" -f -a 'file' -d 'Schedule Install/Upgrade for the devices of a CSV file'
complete -c capfsh -n "__capfsh_at 0 utils capf set" -f -a 'keep_alive' -d 'Set the CAPF-to-endpoint keep-alive timer'
complete -c capfsh -n "__capfsh_at 0 utils capf set" -f -a 'mode' -d 'Set who issues LSCs: capf, online or offline CA'
complete -c capfsh -n "__capfsh_at 0 utils capf set" -f -a 'online-ca' -d 'Set the online CA (EST server) capfd sends CSRs to'
complete -c capfsh -n "__capfsh_at 0 utils capf set" -f -a 'validity' -d 'Set the validity of new LSCs in days'
complete -c capfsh -n "__capfsh_at 0 utils capf set mode" -f -a 'capf'
complete -c capfsh -n "__capfsh_at 0 utils capf set mode" -f -a 'online'
complete -c capfsh -n "__capfsh_at 0 utils capf set mode" -f -a 'offline'
complete -c capfsh -n "__capfsh_at 0 utils capf stale-lsc" -f -a 'delete' -d 'Delete stale LSCs: all, or one device\'s'
complete -c capfsh -n "__capfsh_at 0 utils capf stale-lsc" -f -a 'list' -d 'List stale LSCs'
complete -c capfsh -n "__capfsh_at 1 utils capf stale-lsc delete" -f -a 'noconfirm'
complete -c capfsh -n "__capfsh_at 0 utils capf trust" -f -a 'import' -d 'Trust a CA certificate to issue LSCs'
complete -c capfsh -n "__capfsh_at 1 utils capf trust import" -f -a 'lsc'
complete -c capfsh -n "__capfsh_at 1 utils capf trust import" -f -a 'mic'
complete -c capfsh -n "__capfsh_at 0 completions" -f -a 'bash'
complete -c capfsh -n "__capfsh_at 0 completions" -f -a 'elvish'
complete -c capfsh -n "__capfsh_at 0 completions" -f -a 'fish'
complete -c capfsh -n "__capfsh_at 0 completions" -f -a 'powershell'
complete -c capfsh -n "__capfsh_at 0 completions" -f -a 'zsh'

# Keyword options (generated from capfsh's command tree): where they stand, the keywords not
# given yet, noconfirm, or the choices of the keyword just typed; elsewhere clap's lines.
set -g __capfsh_keyword_commands \
    'utils capf lsc revoke serial;1;y;reason=cessationOfOperation,keyCompromise,superseded,unspecified' \
    'utils capf operation install file;1;;output=@' \
    'utils capf lsc revoke;1;y;reason=cessationOfOperation,keyCompromise,superseded,unspecified' \
    'utils capf operation delete;1;y;auth=existing-lsc,existing-mic,generate,null,string/string by=' \
    'utils capf operation install;1;;auth=existing-lsc,existing-mic,generate,null,string/string by= key=ec-p256,ec-p384,ec-p521,rsa-1024,rsa-2048,rsa-3072,rsa-4096' \
    'utils capf operation troubleshoot;1;;auth=existing-lsc,existing-mic,generate,null,string/string by=' \
    'utils capf set online-ca;0;;host= port= label= user= password-file=@' \
    'utils capf tidy;0;y;dry-run expired-lscs older-than= superseded-csrs'

# Prints what may come where the cursor stands among a command's keyword options; fails
# elsewhere.
function __capfsh_keywords
    string match -q -- '-*' (commandline -ct); and return 1
    set -l given (__capfsh_given)
    for entry in $__capfsh_keyword_commands
        set -l fields (string split ';' -- $entry)
        set -l path (string split ' ' -- $fields[1])
        set -l n (count $path)
        test (count $given) -ge $n; or continue
        test "$given[1..$n]" = "$fields[1]"; or continue
        set -l skip (math $n + $fields[2])
        test (count $given) -ge $skip; or return 1
        set -l specs (string split ' ' -- $fields[4])
        set -l state k
        set -l spec
        set -l used
        set -l typed
        if test (count $given) -gt $skip
            set typed $given[(math $skip + 1)..-1]
        end
        for w in $typed
            switch $state
                case k
                    set spec
                    for s in $specs
                        test (string split -m1 '=' -- $s)[1] = $w; and set spec $s
                    end
                    test -z "$spec"; and return 0
                    set -a used $w
                    string match -q -- '*=*' $spec; and set state v
                case v
                    set state k
                    string match -q -- '*/*' $spec
                    and test $w = (string split '/' -- $spec)[-1]
                    and set state x
                case x
                    set state k
            end
        end
        switch $state
            case k
                for s in $specs
                    set -l word (string split -m1 '=' -- $s)[1]
                    contains -- $word $used; or echo $word
                end
                test -n "$fields[3]"; and echo noconfirm
            case v
                set -l values (string split -m1 '=' -- $spec)[2]
                if test "$values" = @
                    __fish_complete_path (commandline -ct)
                    return 0
                end
                string split ',' -- (string split '/' -- $values)[1]
        end
        return 0
    end
    return 1
end

function __capfsh_keyword_zone
    __capfsh_keywords >/dev/null
end

complete -c capfsh -n "__capfsh_keyword_zone" -f -a "(__capfsh_keywords)"
