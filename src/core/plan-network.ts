/** Address plans and firewall rules of a cluster, as data. */
import type { ClusterConfig } from '../config/cluster-file.ts';

function toInt(ip: string): number {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function toIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The `index`th subnet `newBits` longer than `cidr`: subnetCidr('10.42.0.0/16', 4, 1) = '10.42.16.0/20'. */
export function subnetCidr(cidr: string, newBits: number, index: number): string {
  const [ip, prefixText] = cidr.split('/') as [string, string];
  const prefix = Number(prefixText);
  const newPrefix = prefix + newBits;
  if (newPrefix > 28) throw new RangeError(`${cidr} is too small to split into /${newPrefix} subnets`);
  if (index < 0 || index >= 2 ** newBits) throw new RangeError(`${cidr} has no subnet number ${index} of size /${newPrefix}`);
  const base = toInt(ip);
  return `${toIp((base + index * 2 ** (32 - newPrefix)) >>> 0)}/${newPrefix}`;
}

export const SUBNET_NEW_BITS = 4;

/** Where a rule's traffic comes from (ingress) or goes to (egress). */
export type RulePeer = { cidr: string } | { group: string };

/** One security group rule. `group` peers name a security group by its logical name. */
export interface SecurityRule {
  protocol: 'tcp' | 'udp' | 'all';
  fromPort: number;
  toPort: number;
  peer: RulePeer;
  description: string;
}

/** A comparable identity of a rule once group names are replaced by ids: `tcp:80-80:cidr:0.0.0.0/0`. */
export function ruleKey(rule: { protocol: string; fromPort: number; toPort: number; peer: RulePeer }): string {
  const peer = 'cidr' in rule.peer ? `cidr:${rule.peer.cidr}` : `group:${rule.peer.group}`;
  const ports = rule.protocol === 'all' ? 'all' : `${rule.fromPort}-${rule.toPort}`;
  return `${rule.protocol}:${ports}:${peer}`;
}

const EVERYWHERE = '0.0.0.0/0';
const ALL_TRAFFIC = { protocol: 'all', fromPort: 0, toPort: 0 } as const;

export interface SecurityGroupRules {
  ingress: SecurityRule[];
  egress: SecurityRule[];
}

/**
 * The firewall of a cluster. Only the load balancer is open to the Internet (80/443); nodes
 * accept the proxy port from the load balancer, SSH from the configured networks, and SSH
 * and the swarm ports from each other; databases and caches accept their port from nodes only.
 */
export function buildSecurityGroupRules(config: ClusterConfig): Record<'sg-lb' | 'sg-nodes' | 'sg-db' | 'sg-cache', SecurityGroupRules> {
  const proxyPort = config.proxy.port;
  const fromNodes = { group: 'sg-nodes' };
  return {
    'sg-lb': {
      ingress: [
        { protocol: 'tcp', fromPort: 80, toPort: 80, peer: { cidr: EVERYWHERE }, description: 'HTTP from anywhere (redirected to HTTPS)' },
        { protocol: 'tcp', fromPort: 443, toPort: 443, peer: { cidr: EVERYWHERE }, description: 'HTTPS from anywhere' },
      ],
      egress: [{ protocol: 'tcp', fromPort: proxyPort, toPort: proxyPort, peer: fromNodes, description: 'to Traefik on the managers' }],
    },
    'sg-nodes': {
      ingress: [
        { protocol: 'tcp', fromPort: proxyPort, toPort: proxyPort, peer: { group: 'sg-lb' }, description: 'Traefik, from the load balancer only' },
        ...config.network.sshCidrs.map((cidr): SecurityRule => ({ protocol: 'tcp', fromPort: 22, toPort: 22, peer: { cidr }, description: 'SSH from an allowed network' })),
        // Managers reach the agent on other nodes for app:exec; sshd there lets in only the node key, for node-serve.
        { protocol: 'tcp', fromPort: 22, toPort: 22, peer: fromNodes, description: 'SSH between nodes (app:exec node channel)' },
        { protocol: 'tcp', fromPort: 2377, toPort: 2377, peer: fromNodes, description: 'swarm cluster management' },
        { protocol: 'tcp', fromPort: 7946, toPort: 7946, peer: fromNodes, description: 'swarm node gossip' },
        { protocol: 'udp', fromPort: 7946, toPort: 7946, peer: fromNodes, description: 'swarm node gossip' },
        { protocol: 'udp', fromPort: 4789, toPort: 4789, peer: fromNodes, description: 'swarm overlay network (VXLAN)' },
      ],
      // Nodes install packages, pull images and call AWS APIs.
      egress: [{ ...ALL_TRAFFIC, peer: { cidr: EVERYWHERE }, description: 'outbound to anywhere' }],
    },
    'sg-db': {
      ingress: [{ protocol: 'tcp', fromPort: 5432, toPort: 5432, peer: fromNodes, description: 'PostgreSQL from the nodes' }],
      egress: [],
    },
    'sg-cache': {
      ingress: [{ protocol: 'tcp', fromPort: 6379, toPort: 6379, peer: fromNodes, description: 'Redis from the nodes' }],
      egress: [],
    },
  };
}
