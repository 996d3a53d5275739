module futuswarm/probe

go 1.22
