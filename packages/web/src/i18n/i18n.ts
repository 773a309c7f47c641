import { en, type MessageKey } from "./en.js";
import { ru } from "./ru.js";

/** Plural forms by Intl.PluralRules category; `other` is required. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** A complete catalog: every key of the English source, translated. */
export type Catalog = { [K in MessageKey]: (typeof en)[K] extends string ? string : PluralForms };

export const catalogs = { en: en as Catalog, ru } as const;
export type Language = keyof typeof catalogs;
export const LANGUAGES: readonly Language[] = ["en", "ru"];

/** The first supported language among the browser's preferences, else English. */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if (base && (LANGUAGES as readonly string[]).includes(base)) return base as Language;
  }
  return "en";
}

export type Params = Record<string, string | number>;

/** A translate function bound to one language. */
export type Translate = (key: MessageKey, params?: Params) => string;

/**
 * Builds the translate function of `language`. A plural message picks its form from the
 * `count` parameter (Russian: 1 участник, 3 участника, 5 участников).
 */
export function translator(language: Language): Translate {
  const catalog = catalogs[language];
  const plural = new Intl.PluralRules(language);
  return (key, params = {}) => {
    const entry = catalog[key] ?? (en as Catalog)[key];
    let text: string;
    if (typeof entry === "string") text = entry;
    else {
      const count = Number(params.count ?? 0);
      text = entry[plural.select(count)] ?? entry.other;
    }
    return text.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
  };
}
