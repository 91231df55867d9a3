# bash completion for oomwarden(8)                                  -*- shell-script -*-
# Installed as /usr/share/bash-completion/completions/oomwarden (make install: $(PREFIX)/share/...).

_oomwarden()
{
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    }

    local verbs="run check-config status reload pause resume doctor explain snapshot simulate analyze import restore-oom-settings bench notify-desktop version help"
    if [[ $cword -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$verbs --help --version" -- "$cur"))
        return
    fi

    case $prev in
        --config | -c | --events | --output | -o | --socket | --state)
            COMPREPLY=($(compgen -f -- "$cur"))
            return
            ;;
        --proc-root | --sys-root | --run-user-root)
            COMPREPLY=($(compgen -d -- "$cur"))
            return
            ;;
        --kmsg)
            COMPREPLY=($(compgen -f -- "${cur:-/dev/}"))
            return
            ;;
        --domain)
            COMPREPLY=($(compgen -W "system nodes:" -- "$cur"))
            return
            ;;
        --iterations | --batches)
            return
            ;;
    esac

    local opts
    case ${words[1]} in
        run) opts="--config --dry-run --events --no-mlock --proc-root --sys-root --kmsg --run-user-root --help" ;;
        check-config) opts="--config --help" ;;
        version) opts="--help" ;;
        status) opts="--json --socket --help" ;;
        reload | pause | resume) opts="--socket --help" ;;
        restore-oom-settings) opts="--config --state --help" ;;
        doctor) opts="--json --proc-root --sys-root --help" ;;
        explain) opts="--domain --json --config --proc-root --sys-root --help" ;;
        snapshot) opts="--output --domain --proc-root --sys-root --help" ;;
        simulate) opts="--config --json --domain --help" ;;
        analyze) opts="--json --follow --kmsg --help" ;;
        notify-desktop) opts="--uid --gid --bus --summary --body --help" ;;
        import)
            if [[ $cword -eq 2 ]]; then
                COMPREPLY=($(compgen -W "earlyoom" -- "$cur"))
                return
            fi
            opts="-m -s -M -S -n -g -r -p -d -N --prefer --avoid --ignore --ignore-root-user --sort-by-rss --dryrun --help"
            ;;
        bench)
            if [[ $cword -eq 2 ]]; then
                COMPREPLY=($(compgen -W "poll tick" -- "$cur"))
                return
            fi
            opts="--iterations --batches --proc-root --sys-root --help"
            ;;
        *) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -F _oomwarden oomwarden
