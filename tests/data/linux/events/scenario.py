# Run inside a fresh network namespace: ip netns exec NS python3 scenario.py TOOL DIR
import socket, subprocess, sys
tool, out = sys.argv[1], sys.argv[2]
def pair(l):
    c = socket.create_connection(('127.0.0.1', 8080)); s, _ = l.accept(); return c, s
def send(a, b, n):
    a.sendall(b'x' * n); got = 0
    while got < n: got += len(b.recv(65536))
def close_in_order(c, s):
    c.close(); assert s.recv(1) == b''; s.close()
l = socket.socket(); l.bind(('127.0.0.1', 8080)); l.listen(16)
lc, ls = pair(l); send(lc, ls, 4000)
tool_run = subprocess.Popen([tool, '-c', '3', '-i', '1s', '--changes-only', '--capture', out], stdout=subprocess.PIPE)
tool_run.stdout.readline()
for up, down in ((1000, 500), (2000, 700), (3000, 900)):
    c, s = pair(l); send(c, s, up); send(s, c, down); close_in_order(c, s)
tool_run.stdout.readline()
send(lc, ls, 1000); close_in_order(lc, ls)
tool_run.stdout.readline()
tool_run.wait()
