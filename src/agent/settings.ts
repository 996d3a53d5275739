/** An app's settings as recorded on its service. */
import { z } from 'zod';
import { LABEL, type AppSettings } from '../core/service-spec.ts';

const settingsSchema = z.object({
  port: z.number().int().min(1).max(65535),
  replicas: z.number().int().min(0),
  limits: z.object({ cpus: z.number().optional(), memoryMb: z.number().optional() }).optional(),
});

export function readSettingsLabel(labels: Record<string, string>): AppSettings | undefined {
  const text = labels[LABEL.settings];
  if (text === undefined) return undefined;
  try {
    const parsed = settingsSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as AppSettings) : undefined;
  } catch {
    return undefined;
  }
}
