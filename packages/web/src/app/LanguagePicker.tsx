import { useId } from "react";
import { useI18n } from "../i18n/context.js";
import { LANGUAGES, type Language } from "../i18n/i18n.js";

const NAMES: Record<Language, string> = { en: "English", ru: "Русский" };

/** Switches the interface language (remembered in this browser). */
export function LanguagePicker() {
  const { t, language, setLanguage } = useI18n();
  const id = useId();
  return (
    <div className="language">
      <label htmlFor={id}>{t("lang.label")}</label>
      <select id={id} value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {NAMES[l]}
          </option>
        ))}
      </select>
    </div>
  );
}
