/** An app's settings as recorded on its service (the state store holds the authoritative copy). */
import { appSettingsSchema } from '../core/app-settings.ts';
import { LABEL, type AppSettings } from '../core/service-spec.ts';


export function readSettingsLabel(labels: Record<string, string>): AppSettings | undefined {
  const text = labels[LABEL.settings];
  if (text === undefined) return undefined;
  try {
    const parsed = appSettingsSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as AppSettings) : undefined;
  } catch {
    return undefined;
  }
}
