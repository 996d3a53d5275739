// futuswarm-relay: sshd's forced command for a person's key on a manager that runs the
// resident agent (futuswarm-agent daemon). It starts in about a millisecond and only moves
// bytes: it tells the daemon who the person is (the name the authorized-keys step put in the
// forced command, never one the client sends), passes the caller's input on, and writes the
// daemon's answer frames to stdout, then exits with the code the daemon sends.
//
//	futuswarm-relay --socket PATH --user NAME
//
// Wire (the daemon's side is src/agent/daemon-wire.ts): the relay sends the line
// "futuswarm-relay/1 serve NAME\n", then the caller's bytes, and half-closes at their end.
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

func main() {
	args := os.Args[1:]
	if len(args) != 4 || args[0] != "--socket" || args[2] != "--user" {
		fail(2, "usage: futuswarm-relay --socket PATH --user NAME")
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
