"""Code that starts a kernel inside the sandbox, kept as code: linted and type-checked here, and
run as its source (``python -I -S -c SOURCE ARGUMENTS``, see ``graders.runtime.sandbox.program``),
never imported there: the sandbox cannot import the project's packages.

In:  nothing of the project: each function imports what it needs (the standard library, and
     ``kernel`` ipykernel) inside its body and reads no global of this module, so its source
     alone, followed by a call, is a complete program (``tests/runtime/test_in_sandbox.py``).
     What it is asked to do comes on its command line (``sys.argv``), as JSON.
Out: ``launcher``: applies CONFIG (``sys.argv[1]``: the grader's death signal, the log, the
     sandbox's uid, rlimits, the files handed to that uid, environment, working folder), then
     replaces itself with COMMAND (``sys.argv[2:]``); it runs before the kernel (and in bwrap
     mode also before bwrap). ``kernel``: the kernel's main program, ``python -m
     ipykernel_launcher``'s. ``warm_client``: the process jupyter_client launches for a warm
     kernel (``graders.runtime.warm``): asks the warm parent for a kernel over its control
     socket and lives as long as that kernel, exiting with its status.
"""

# No ``from __future__ import annotations`` and no module-level import: a function's annotations
# are evaluated where it runs, against builtins only.


def launcher() -> None:
    """Apply CONFIG (``sys.argv[1]``, JSON), then replace this process with ``sys.argv[2:]``."""
    import json
    import os
    import resource
    import sys

    def tasks_of(uid: int) -> int:
        """Threads that processes of ``uid`` hold now (RLIMIT_NPROC counts them)."""
        count = 0
        for name in os.listdir("/proc"):
            try:
                with open(f"/proc/{name}/status") as status:
                    fields = dict(line.split(":", 1) for line in status if ":" in line)
            except (OSError, ValueError):
                continue
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields["Threads"])
        return count

    config, command = json.loads(sys.argv[1]), sys.argv[2:]
    if "grader_pid" in config:  # killed with the grader's thread, even mid-start-up
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
        if os.getppid() != config["grader_pid"]:  # the grader died before that: go too
            os._exit(1)
    if "log" in config:
        log = os.open(config["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
    if "uid_base" in config:
        uid = str(config["uid_base"] + os.getpid())
        command = [uid if part == config["uid_placeholder"] else part for part in command]
    for name, value in config.get("limits", {}).items():
        try:
            which = getattr(resource, name)
            if name == "RLIMIT_NPROC" and config.get("nproc_on_top"):
                value += tasks_of(os.getuid())
            hard = resource.getrlimit(which)[1]
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value))
        except (AttributeError, OSError, ValueError) as error:
            if config.get("strict", True):
                raise
            print(f"sandbox: {name} not applied: {error!r}", file=sys.stderr, flush=True)
    if "uid_variable" in config and os.getuid() == 0:
        owner = int(os.environ[config["uid_variable"]])
        for top in config["own_trees"]:
            for folder, dirs, files in os.walk(top, topdown=False):
                for entry in dirs + files:
                    os.chown(os.path.join(folder, entry), owner, owner, follow_symlinks=False)
        for path in config["own"] + config["own_trees"]:
            os.chown(path, owner, owner, follow_symlinks=False)
        os.setgroups([])
        os.setresgid(owner, owner, owner)
        os.setresuid(owner, owner, owner)
    env = config.get("env", {})
    if config.get("parent_pid"):
        env["JPY_PARENT_PID"] = str(os.getppid())
    os.chdir(config.get("cwd", "/"))
    os.execve(command[0], command, env)


def kernel() -> None:
    """``python -m ipykernel_launcher``'s program, except that the kernel is built while
    debugpy cannot be imported, so ipykernel leaves out its debugger (which the grader never
    uses): a fifth of a kernel's start. The block is lifted before the kernel runs any cell, so
    the student's own ``import debugpy`` works."""
    import sys

    if sys.path[0] == "":
        del sys.path[0]  # as ipykernel_launcher: IPython puts the working folder back
    from ipykernel.kernelapp import IPKernelApp

    sys.modules["debugpy"] = None  # type: ignore[assignment]
    try:
        app = IPKernelApp.instance()
        app.initialize()
    finally:
        del sys.modules["debugpy"]
    app.start()


def warm_client() -> None:
    """Ask the warm parent for a kernel (REQUEST: ``sys.argv[1]``, JSON) and exit as it does.

    Ties itself to the grader (as ``launcher`` does), hands the parent the log (its stdout),
    writes where the kernel's processes are (the parent's first answer) to ``record``, and
    lives as long as the kernel. Its end (killed, or with the grader) ends the kernel.
    """
    import ctypes
    import json
    import os
    import socket
    import sys

    request = json.loads(sys.argv[1])
    ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: dies with grader
    if os.getppid() != request.pop("grader_pid"):  # the grader died before that: go too
        os._exit(1)
    log = os.open(request.pop("log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    control, record = request.pop("control"), request.pop("record")
    request["uid"] = request.pop("uid_base") + os.getpid()
    link = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    link.connect(control)
    socket.send_fds(link, [json.dumps(request).encode() + b"\n"], [1])
    answers = link.makefile("rb")
    first = json.loads(answers.readline() or b"{}")
    with open(record + ".part", "w", encoding="ascii") as handle:
        json.dump(first, handle)
    os.replace(record + ".part", record)
    last = json.loads(answers.readline() or b'{"exit": 1}')
    sys.exit(last.get("exit", 1))
