// futuswarm-relay: sshd's forced command for a person's key on a manager that runs the
// resident agent (futuswarm-agent daemon). It starts in about a millisecond and only moves
// bytes: it tells the daemon who the person is (the name the authorized-keys step put in the
// forced command, never one the client sends), passes the caller's input on, and writes the
// daemon's answer frames to stdout, then exits with the code the daemon sends.
//
//	futuswarm-relay --socket PATH --user NAME
//	futuswarm-relay --socket PATH --authorized-keys OS_USER KEY_TYPE KEY --fallback AGENT
//
// The second form is sshd's AuthorizedKeysCommand on a manager (through the agent wrapper,
// which passes itself as AGENT): the daemon answers with its warm LDAP connection and key
// cache. Where the daemon does not answer, the relay becomes `AGENT authorized-keys …`, which
// starts the agent as before, so a daemon down never locks people out.
//
// Wire (the daemon's side is src/agent/daemon-wire.ts): the relay sends the line
// "futuswarm-relay/1 serve NAME\n", then the caller's bytes, and half-closes at their end;
// or "futuswarm-relay/1 authorized-keys OS_USER KEY_TYPE KEY\n" and nothing else.
// The daemon answers with frames: one type byte, a 4-byte big-endian length, the payload;
// 'o' is output for the caller, 'x' ends the answer with its exit code (one byte).
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"syscall"
	"time"
)

// The same rule as userName in src/core/names.ts.
var userName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$`)

// How long a missing or refusing daemon is waited for: a restart or an upgrade hand-over.
const connectWindow = 5 * time.Second

const maxFrame = 16 << 20

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "futuswarm-relay: "+format+"\n", args...)
	os.Exit(code)
}

func dial(socket string) (*net.UnixConn, error) {
	deadline := time.Now().Add(connectWindow)
	for {
		conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: socket, Net: "unix"})
		if err == nil {
			return conn, nil
		}
		retry := errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EAGAIN)
		if !retry || time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// What sshd passes as %t and %k; anything else is not a key and goes to nobody.
var keyType = regexp.MustCompile(`^[a-z0-9][a-z0-9@.-]{0,63}$`)
var keyBase64 = regexp.MustCompile(`^[A-Za-z0-9+/]+={0,2}$`)

// The longest key sshd passes is an RSA key of 16384 bits, some 2,800 characters.
const maxKeyLength = 8192

// authorizedKeys asks the daemon which person owns the key; where the daemon cannot be asked
// (none on this node, stopped, an older one), it hands over to the agent itself.
func authorizedKeys(socket, osUser, typ, key, fallback string) {
	become := func() {
		env := append(os.Environ(), "FUTUSWARM_AUTHORIZED_KEYS_DIRECT=1")
		err := syscall.Exec(fallback, []string{fallback, "authorized-keys", osUser, typ, key}, env)
		fail(1, "cannot start %s: %v", fallback, err)
	}
	if !userName.MatchString(osUser) || !keyType.MatchString(typ) || len(key) > maxKeyLength || !keyBase64.MatchString(key) {
		// Nothing sshd would offer: the agent refuses it and says why in its log.
		become()
	}
	// Once: a login does not wait for a daemon that is restarting; the agent answers instead.
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: socket, Net: "unix"})
	if err != nil {
		become()
	}
	conn.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := conn.Write([]byte("futuswarm-relay/1 authorized-keys " + osUser + " " + typ + " " + key + "\n")); err != nil {
		become()
	}
	conn.CloseWrite()
	answer, err := io.ReadAll(io.LimitReader(conn, maxFrame))
	var out []byte
	code := -1
	for at := 0; err == nil && at+5 <= len(answer); {
		size := int(binary.BigEndian.Uint32(answer[at+1:]))
		if at+5+size > len(answer) {
			break
		}
		payload := answer[at+5 : at+5+size]
		switch answer[at] {
		case 'o':
			out = append(out, payload...)
		case 'x':
			if size == 1 {
				code = int(payload[0])
			}
		}
		at += 5 + size
	}
	if code < 0 {
		// No whole answer (an older daemon refuses the header): nothing was printed yet.
		become()
	}
	os.Stdout.Write(out)
	os.Exit(code)
}

func main() {
	args := os.Args[1:]
	if len(args) == 8 && args[0] == "--socket" && args[2] == "--authorized-keys" && args[6] == "--fallback" && args[7] != "" {
		authorizedKeys(args[1], args[3], args[4], args[5], args[7])
	}
	if len(args) != 4 || args[0] != "--socket" || args[2] != "--user" {
		fail(2, "usage: futuswarm-relay --socket PATH --user NAME | --socket PATH --authorized-keys OS_USER KEY_TYPE KEY --fallback AGENT")
	}
	socket, user := args[1], args[3]
	if !userName.MatchString(user) {
		fail(2, "not a user name: %q", user)
	}
	conn, err := dial(socket)
	if err != nil {
		host, _ := os.Hostname()
		reason := err.Error()
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			reason = "it is not running"
		}
		fail(69, "the futuswarm agent daemon on %s does not answer (%s); an admin checks it with: futuswarm admin agent:status (on the manager: systemctl status futuswarm-agent)", host, reason)
	}
	if _, err := conn.Write([]byte("futuswarm-relay/1 serve " + user + "\n")); err != nil {
		fail(69, "lost the agent daemon: %v", err)
	}
	go func() {
		io.Copy(conn, os.Stdin)
		conn.CloseWrite()
	}()
	var head [5]byte
	for {
		if _, err := io.ReadFull(conn, head[:]); err != nil {
			fail(70, "the agent daemon ended the connection without an answer; the manager's agent log has the reason")
		}
		size := binary.BigEndian.Uint32(head[1:])
		if size > maxFrame {
			fail(70, "the agent daemon sent a frame of %d bytes", size)
		}
		switch head[0] {
		case 'o':
			if _, err := io.CopyN(os.Stdout, conn, int64(size)); err != nil {
				// The caller went away (or the daemon did): the daemon sees the closed connection.
				os.Exit(141)
			}
		case 'x':
			var code [1]byte
			if size != 1 {
				fail(70, "the agent daemon sent a bad exit frame")
			}
			if _, err := io.ReadFull(conn, code[:]); err != nil {
				fail(70, "the agent daemon ended the connection without an answer")
			}
			os.Exit(int(code[0]))
		default:
			fail(70, "the agent daemon sent an unknown frame type %q", head[0])
		}
	}
}
