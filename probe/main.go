// futuswarm-probe: the HTTP health check of an app's tasks. The agent bundle puts it on every
// node; each task with an HTTP health path gets it mounted read-only and Swarm runs it as the
// task's health check (exec form, no shell), so it works with any image: a minimal Debian, a
// distroless image, one without curl, wget, nc or even /bin/sh. Static (CGO_ENABLED=0), no
// dependencies beyond the standard library.
//
//	futuswarm-probe [-timeout SECONDS] http://127.0.0.1:PORT/PATH
//
// Exit 0 when the server answers 2xx or 3xx; exit 1 otherwise, with one line that names the
// URL it tried and what it got, which Docker keeps in the task's health log.
//
//	futuswarm-probe -hold SECONDS
//
// Keeps a one-off task of `app:run -it` running, whatever its image holds, until the agent
// removes the task when the session ends (SIGTERM) or SECONDS pass; the session itself is an
// exec into that task.
package main

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 2 && args[0] == "-hold" {
		return hold(args[1])
	}
	timeout := 2 * time.Second
	if len(args) == 3 && args[0] == "-timeout" {
		s, err := strconv.ParseFloat(args[1], 64)
		if err != nil || s <= 0 {
			fmt.Println("futuswarm-probe: -timeout takes a number of seconds")
			return 2
		}
		timeout = time.Duration(s * float64(time.Second))
		args = args[2:]
	}
	if len(args) != 1 {
		fmt.Println("usage: futuswarm-probe [-timeout SECONDS] http://HOST:PORT/PATH")
		return 2
	}
	target := args[0]
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.Port() == "" {
		fmt.Printf("futuswarm-probe: %q is not an http://HOST:PORT/PATH URL\n", target)
		return 2
	}
	status, err := probe(u, timeout)
	if err != nil {
		fmt.Printf("GET %s: %s\n", target, err)
		return 1
	}
	code := 0
	if parts := strings.SplitN(status, " ", 3); len(parts) >= 2 {
		code, _ = strconv.Atoi(parts[1])
	}
	if code >= 200 && code < 400 {
		return 0
	}
	fmt.Printf("GET %s answered %s\n", target, describe(status))
	return 1
}

// hold waits for SIGTERM or SIGINT, or until the given seconds pass.
func hold(seconds string) int {
	s, err := strconv.ParseFloat(seconds, 64)
	if err != nil || s <= 0 {
		fmt.Println("futuswarm-probe: -hold takes a number of seconds")
		return 2
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-stop:
	case <-time.After(time.Duration(s * float64(time.Second))):
	}
	return 0
}

// probe sends one GET and returns the response's status line.
func probe(u *url.URL, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	conn, err := net.DialTimeout("tcp", u.Host, timeout)
	if err != nil {
		return "", reason(err, timeout)
	}
	defer conn.Close()
	_ = conn.SetDeadline(deadline)
	path := u.RequestURI()
	req := "GET " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: futuswarm-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		return "", reason(err, timeout)
	}
	line, err := bufio.NewReaderSize(conn, 1024).ReadString('\n')
	if err != nil && line == "" {
		if err.Error() == "EOF" {
			return "", fmt.Errorf("the connection closed without an answer")
		}
		return "", reason(err, timeout)
	}
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, "HTTP/") {
		return "", fmt.Errorf("the answer is not HTTP: %q", truncate(line, 60))
	}
	return line, nil
}

func reason(err error, timeout time.Duration) error {
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return fmt.Errorf("no answer within %s", timeout)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "connection refused"):
		return fmt.Errorf("connection refused (is the app listening on this port, on 0.0.0.0 rather than another address?)")
	case strings.Contains(msg, "connection reset"):
		return fmt.Errorf("the connection was reset")
	}
	return err
}

// describe turns "HTTP/1.1 503 Service Unavailable" into "503 Service Unavailable".
func describe(status string) string {
	if i := strings.IndexByte(status, ' '); i >= 0 {
		return truncate(status[i+1:], 100)
	}
	return truncate(status, 100)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
