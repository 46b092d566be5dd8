#!/usr/bin/env python3
"""Links tcpstats-reader for FreeBSD from objects compiled for it, and checks
the executable (tools/check-freebsd.sh runs it once per architecture).

The vendored sysroot has FreeBSD's start files and C libraries (libc.so.7,
libm.so.5, libthr.so.3, librt.so.1) but not the rest of what FreeBSD's base
system gives a C++ program: libc++.so.1 and libcxxrt.so.1 (the C++ runtime),
libgcc_s.so.1 (unwinder) and libz.so.6. For those the link uses stand-ins
with FreeBSD's SONAMEs that define exactly the symbols the objects need, and
every one of those names must first be found in an export list:

    libcxxrt.so.1  the C++ ABI library: Debian's libc++abi.so.1 (LLVM 19)
    libc++.so.1    Debian's libc++.so.1 (LLVM 19; FreeBSD 13.4 ships 18.1)
    libgcc_s.so.1  Debian's libgcc_s.so.1 (FreeBSD's keeps GCC's names)
    libz.so.6      the functions the sysroot's own zlib.h declares

so a symbol that no FreeBSD library would export fails here, as it would
at load time on FreeBSD. Data symbols get the size the export list gives
them (a copy relocation takes its size from the library linked against).

Then it checks the executable: file(1) says a FreeBSD ELF executable of the
architecture with interpreter /libexec/ld-elf.so.1; it needs only the
libraries above; and each of its undefined dynamic symbols is exported by
the real FreeBSD library that resolves it (with that library's symbol
version) or is in the export list of the stand-in's library.

    tools/freebsd_link.py --arch x86_64 --sysroot DIR --work DIR --output BIN OBJECT...
"""
import argparse
import os
import re
import subprocess
import sys

REAL_LIBS = ["libc.so.7", "libm.so.5", "libpthread.so", "librt.so.1"]
# Linked around the objects, in this order: the first three before them.
START_FILES = ["crt1.o", "crti.o", "crtbegin.o", "crtend.o", "crtn.o"]
# Debian's libraries whose exports stand for FreeBSD's, per stand-in.
REFERENCE = {
    "libcxxrt.so.1": ["/usr/lib/llvm-19/lib/libc++abi.so.1"],
    "libc++.so.1": ["/usr/lib/llvm-19/lib/libc++.so.1"],
    "libgcc_s.so.1": ["/lib/x86_64-linux-gnu/libgcc_s.so.1"],
}
# The order a symbol is looked up in, and the link order.
STAND_INS = ["libcxxrt.so.1", "libc++.so.1", "libgcc_s.so.1", "libz.so.6"]
FILE_ARCH = {"x86_64": "x86-64", "aarch64": "ARM aarch64"}


def run(args, **kw):
    return subprocess.run(args, check=True, text=True, capture_output=True, **kw).stdout


def fail(message):
    print(f"freebsd_link: {message}", file=sys.stderr)
    sys.exit(1)


def nm_symbols(nm, path, dynamic, undefined=False):
    """{name: (type letter, size)} of the defined (or undefined) symbols."""
    args = [nm, "--print-size" if not undefined else "--undefined-only", "--no-sort"]
    if dynamic:
        args.append("-D")
    if not undefined:
        args.append("--defined-only")
    out = {}
    for line in run(args + [path]).splitlines():
        parts = line.split()
        if not parts or line.endswith(":"):
            continue
        if undefined:  # "U name"
            kind, name, size = parts[-2], parts[-1], 0
        elif len(parts) == 4:  # "address size type name"
            kind, name, size = parts[2], parts[3], int(parts[1], 16)
        elif len(parts) == 3:  # "address type name" (no size)
            kind, name, size = parts[1], parts[2], 0
        else:
            continue
        name = name.split("@")[0]  # drop a version (name@@FBSD_1.0)
        out[name] = (kind, size)
    return out


def zlib_functions(header):
    """The function names zlib.h declares (ZEXTERN ... ZEXPORT name ...)."""
    text = open(header, encoding="latin-1").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    names = set(re.findall(r"ZEXTERN[^;]*?\bZEXPORT(?:VA)?\s+(\w+)\s*(?:OF\s*)?\(", text))
    if len(names) < 50:
        fail(f"{header}: found only {len(names)} zlib functions")
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True, choices=sorted(FILE_ARCH))
    ap.add_argument("--sysroot", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--cxx", default=os.environ.get("FREEBSD_CXX", "clang++-19"))
    ap.add_argument("--nm", default=os.environ.get("FREEBSD_NM", "llvm-nm-19"))
    ap.add_argument("--readelf", default=os.environ.get("FREEBSD_READELF", "llvm-readelf-19"))
    ap.add_argument("objects", nargs="+")
    a = ap.parse_args()
    target = f"{a.arch}-unknown-freebsd13.4"
    lib = os.path.join(a.sysroot, "lib")

    # What the objects need from shared libraries. The start files define
    # some (crtbegin.o's __dso_handle, which static destructors name).
    start_files = [os.path.join(lib, name) for name in START_FILES]
    defined, undefined = set(), set()
    for obj in a.objects:
        undefined |= set(nm_symbols(a.nm, obj, False, undefined=True))
    for obj in a.objects + start_files:
        defined |= set(nm_symbols(a.nm, obj, False))
    needed = undefined - defined

    real = {name: nm_symbols(a.nm, os.path.join(lib, name), True) for name in REAL_LIBS}
    exports = {}
    for stand_in, paths in REFERENCE.items():
        exports[stand_in] = {}
        for path in paths:
            exports[stand_in].update(nm_symbols(a.nm, path, True))
    exports["libz.so.6"] = {name: ("T", 0) for name in
                            zlib_functions(os.path.join(a.sysroot, "usr/include/zlib.h"))}

    from_real = {s for s in needed if any(s in syms for syms in real.values())}
    stubbed = {lib_name: {} for lib_name in STAND_INS}
    unknown = []
    for s in sorted(needed - from_real):
        for lib_name in STAND_INS:
            if s in exports[lib_name]:
                stubbed[lib_name][s] = exports[lib_name][s]
                break
        else:
            unknown.append(s)
    if unknown:
        fail("no FreeBSD base library exports these symbols the objects need:\n  " + "\n  ".join(unknown))

    # The stand-ins: one shared library per SONAME, defining only what is needed.
    stubs = os.path.join(a.work, "stand-ins")
    os.makedirs(stubs, exist_ok=True)
    link_libs = []
    for lib_name, symbols in stubbed.items():
        source = os.path.join(stubs, lib_name + ".c")
        with open(source, "w") as f:
            f.write(f"/* Stand-in for FreeBSD's {lib_name}: link-time only. */\n")
            for i, (name, (kind, size)) in enumerate(sorted(symbols.items())):
                if kind.upper() in ("T", "W", "I"):
                    f.write(f'void f{i}(void) __asm__("{name}");\nvoid f{i}(void) {{}}\n')
                else:
                    f.write(f'char d{i}[{max(size, 1)}] __asm__("{name}");\n')
        so = os.path.join(stubs, lib_name)
        run([a.cxx, "-x", "c", f"--target={target}", f"--sysroot={a.sysroot}", "-fuse-ld=lld",
             "-shared", "-nostdlib", "-fPIC", f"-Wl,-soname,{lib_name}", "-o", so, source])
        link_libs.append("-l:" + lib_name)

    # Objects compiled with -fPIC read data of shared libraries through the
    # GOT: no copy relocations, whose size would come from a stand-in.
    first, last = start_files[:3], start_files[3:]
    run([a.cxx, f"--target={target}", f"--sysroot={a.sysroot}", "-fuse-ld=lld", "-nostdlib",
         "-o", a.output, *first, *a.objects,
         f"-L{stubs}", f"-L{lib}", "-Wl,--as-needed", *link_libs,
         "-l:libm.so.5", "-l:libpthread.so", "-l:librt.so.1", "-l:libc.so.7", "-Wl,--no-as-needed",
         *last])

    # The executable, as FreeBSD would see it.
    description = run(["file", "-b", a.output]).strip()
    expected = ["ELF 64-bit LSB", FILE_ARCH[a.arch], "(FreeBSD)", "interpreter /libexec/ld-elf.so.1"]
    if "executable" not in description or not all(e in description for e in expected):
        fail(f"{a.output} is not a FreeBSD {a.arch} executable: {description}")
    print(f"{a.output}: {description}")

    dynamic = run([a.readelf, "--dynamic-table", a.output])
    needed_libs = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
    sonames = {"libc.so.7": "libc.so.7", "libm.so.5": "libm.so.5", "libthr.so.3": "libpthread.so",
               "librt.so.1": "librt.so.1"}
    allowed = set(sonames) | set(STAND_INS)
    if not needed_libs or set(needed_libs) - allowed:
        fail(f"{a.output} needs {needed_libs}; FreeBSD's base has only {sorted(allowed)}")

    # Every undefined dynamic symbol, by the library that must export it.
    # Weak ones may stay unresolved (crtbegin.o's _Jv_RegisterClasses).
    versions, undefined_count, weak_count = {}, 0, 0
    for line in run([a.readelf, "--dyn-syms", "--wide", a.output]).splitlines():
        cols = line.split()
        if len(cols) < 8 or cols[6] != "UND":
            continue
        name, _, version = cols[7].partition("@")
        owners = [so for so in needed_libs if so in sonames and name in real[sonames[so]]]
        owners += [so for so in needed_libs if so in STAND_INS and name in exports[so]]
        if not owners:
            if cols[4] == "WEAK":
                weak_count += 1
                continue
            fail(f"{a.output}: {name} is exported by none of {needed_libs}")
        undefined_count += 1
        if version:
            versions[version] = versions.get(version, 0) + 1
    # A copy relocation takes the size of the data from the library linked
    # against: only the real FreeBSD libraries may be that library.
    stand_in_data = {s for symbols in stubbed.values() for s, (kind, _) in symbols.items()
                     if kind.upper() not in ("T", "W", "I")}
    for line in run([a.readelf, "--relocs", "--wide", a.output]).splitlines():
        if "_COPY" in line and line.split()[4].split("@")[0] in stand_in_data:
            fail(f"{a.output}: copy relocation against a stand-in's data: {line.strip()}")
    print(f"{a.output}: needs {', '.join(needed_libs)}")
    print(f"{a.output}: {undefined_count} undefined symbols, each exported by one of them "
          f"({weak_count} weak left unresolved); versioned references: "
          + ", ".join(f"{v} ({n})" for v, n in sorted(versions.items())))
    for lib_name, symbols in stubbed.items():
        print(f"{a.output}: {len(symbols)} symbols from {lib_name}, each in its export list")


if __name__ == "__main__":
    main()
