/** ACM adapter: the wildcard certificate of the cluster domain, validated by DNS. */
import type { CertificateDetail } from '@aws-sdk/client-acm';
import { FutuswarmError } from '../core/errors.ts';
import type { ResolvedOf, ObservedResource, ResourceIds } from '../core/plan-resources.ts';
import { TAG_CLUSTER } from '../core/plan-names.ts';
import { awsFailure, call, isAwsError } from './aws-errors.ts';
import { acm } from './clients.ts';
import { waitFor, type WaitOptions } from './wait.ts';

export interface AcmContext {
  region: string;
  wait?: WaitOptions;
}

export interface ValidationRecord {
  name: string;
  type: string;
  value: string;
}

const UNUSABLE = new Set(['FAILED', 'EXPIRED', 'REVOKED', 'VALIDATION_TIMED_OUT', 'INACTIVE']);

export function validationRecords(cert: CertificateDetail | undefined): ValidationRecord[] {
  const seen = new Set<string>();
  const out: ValidationRecord[] = [];
  for (const o of cert?.DomainValidationOptions ?? []) {
    const r = o.ResourceRecord;
    if (r?.Name === undefined || r.Value === undefined || seen.has(r.Name)) continue;
    seen.add(r.Name);
    out.push({ name: r.Name, type: r.Type ?? 'CNAME', value: r.Value });
  }
  return out;
}

async function describe(region: string, arn: string): Promise<CertificateDetail | undefined> {
  const { sdk, client } = await acm(region);
  const out = await call('acm:DescribeCertificate', `certificate ${arn}`, () => client.send(new sdk.DescribeCertificateCommand({ CertificateArn: arn })));
  return out.Certificate;
}

/** The cluster's usable certificate for `domainName` (issued preferred); others of the cluster as extras. */
export async function observeCertificates(region: string, cluster: string, domainName: string): Promise<ObservedResource[]> {
  const { sdk, client } = await acm(region);
  const ours: CertificateDetail[] = [];
  let NextToken: string | undefined;
  do {
    const page = await call('acm:ListCertificates', 'certificates', () => client.send(new sdk.ListCertificatesCommand({ ...(NextToken === undefined ? {} : { NextToken }) })));
    for (const summary of page.CertificateSummaryList ?? []) {
      if (summary.CertificateArn === undefined) continue;
      const tags = await call('acm:ListTagsForCertificate', `certificate ${summary.CertificateArn}`, () =>
        client.send(new sdk.ListTagsForCertificateCommand({ CertificateArn: summary.CertificateArn })),
      );
      if (!(tags.Tags ?? []).some((t) => t.Key === TAG_CLUSTER && t.Value === cluster)) continue;
      const detail = await describe(region, summary.CertificateArn);
      if (detail !== undefined) ours.push(detail);
    }
    NextToken = page.NextToken;
  } while (NextToken !== undefined);

  const usable = ours.filter((c) => c.DomainName === domainName && !UNUSABLE.has(c.Status ?? ''));
  const best = usable.find((c) => c.Status === 'ISSUED') ?? usable[0];
  return ours.map((c): ObservedResource => ({
    kind: 'certificate',
    name: c === best ? 'certificate' : `certificate ${c.DomainName ?? ''} ${c.Status ?? ''}`.trim(),
    id: c.CertificateArn ?? '',
    arn: c.CertificateArn ?? '',
    state: c.Status ?? 'unknown',
    props: {
      domainName: c.DomainName,
      alternativeNames: (c.SubjectAlternativeNames ?? []).filter((n) => n !== c.DomainName).sort(),
      validationRecords: validationRecords(c),
      inUseBy: c.InUseBy ?? [],
    },
  }));
}

export async function requestCertificate(ctx: AcmContext, spec: ResolvedOf<'certificate'>, onProgress: (m: string) => void): Promise<ResourceIds> {
  const { sdk, client } = await acm(ctx.region);
  const out = await call('acm:RequestCertificate', `certificate ${spec.domainName}`, () =>
    client.send(
      new sdk.RequestCertificateCommand({
        DomainName: spec.domainName,
        SubjectAlternativeNames: [spec.domainName, ...spec.alternativeNames],
        ValidationMethod: 'DNS',
        Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    ),
  );
  const arn = out.CertificateArn;
  if (arn === undefined) throw new FutuswarmError('aws', 'acm:RequestCertificate returned no ARN');
  // ACM needs a few seconds before it tells which DNS record proves the domain.
  const records = await waitFor(`the DNS validation record of ${spec.domainName}`, async () => {
    const cert = await describe(ctx.region, arn);
    if (cert?.Status === 'ISSUED') return [];
    const r = validationRecords(cert);
    return r.length > 0 ? r : undefined;
  }, { intervalMs: Math.min(ctx.wait?.intervalMs ?? 2000, 2000), timeoutMs: 60_000 }).catch(() => [] as ValidationRecord[]);
  for (const r of records) onProgress(`to validate ${spec.domainName}, create the DNS record: ${r.name} ${r.type} ${r.value}`);
  return { id: arn, arn };
}

/** Wait until the certificate is issued; an error naming the missing DNS records after `timeoutMs`. */
export async function waitForCertificate(ctx: AcmContext, arn: string, timeoutMs: number): Promise<void> {
  let last: CertificateDetail | undefined;
  try {
    await waitFor(
      `certificate ${arn} to be issued`,
      async () => {
        last = await describe(ctx.region, arn);
        if (last?.Status === 'ISSUED') return true;
        if (UNUSABLE.has(last?.Status ?? '')) {
          throw new FutuswarmError('aws', `certificate ${last?.DomainName ?? arn} is ${last?.Status}: ${last?.FailureReason ?? 'no reason given'}`, {
            hint: 'delete it in the ACM console and run the same command again to request a new one',
          });
        }
        return undefined;
      },
      { intervalMs: ctx.wait?.intervalMs ?? 10_000, timeoutMs },
    );
  } catch (e) {
    if (!(e instanceof FutuswarmError) || e.code !== 'unavailable') throw e;
    const records = validationRecords(last).map((r) => `${r.name} ${r.type} ${r.value}`);
    throw new FutuswarmError('unavailable', `certificate ${last?.DomainName ?? arn} is not issued yet (${last?.Status ?? 'unknown'})`, {
      hint: records.length > 0
        ? `create these DNS records, wait until ACM shows the certificate as issued, then run the same command again to continue: ${records.join('; ')}`
        : 'wait until ACM shows the certificate as issued, then run the same command again to continue',
      details: { validationRecords: validationRecords(last) },
    });
  }
}

export async function deleteCertificate(ctx: AcmContext, arn: string): Promise<void> {
  const { sdk, client } = await acm(ctx.region);
  // Load balancers release certificates a little after they are deleted.
  await waitFor(`certificate ${arn} to be released by the load balancer`, async () => {
    try {
      await client.send(new sdk.DeleteCertificateCommand({ CertificateArn: arn }));
      return true;
    } catch (e) {
      if (isAwsError(e, 'ResourceNotFoundException')) return true;
      if (isAwsError(e, 'ResourceInUseException')) return undefined;
      throw awsFailure(e, 'acm:DeleteCertificate', `certificate ${arn}`);
    }
  }, { ...ctx.wait, timeoutMs: ctx.wait?.timeoutMs ?? 5 * 60_000 });
}
