module futuswarm/relay

go 1.22
