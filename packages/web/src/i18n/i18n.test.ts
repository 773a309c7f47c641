import { describe, expect, it } from "vitest";
import { en } from "./en.js";
import { catalogs, pickLanguage, translator } from "./i18n.js";

describe("i18n", () => {
  it("has every English key translated in Russian, with the same placeholders", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const source = JSON.stringify(en[key]);
      const translated = JSON.stringify(catalogs.ru[key]);
      expect(translated, key).toBeDefined();
      const names = (s: string) => [...new Set(s.match(/\{\w+\}/g) ?? [])].sort();
      expect(names(translated), key).toEqual(names(source));
    }
  });

  it("uses Russian plural forms: 1 участник, 3 участника, 5 участников, 21 участник", () => {
    const t = translator("ru");
    expect(t("room.participants", { count: 1 })).toBe("1 участник");
    expect(t("room.participants", { count: 3 })).toBe("3 участника");
    expect(t("room.participants", { count: 5 })).toBe("5 участников");
    expect(t("room.participants", { count: 11 })).toBe("11 участников");
    expect(t("room.participants", { count: 21 })).toBe("21 участник");
  });

  it("uses English plural forms", () => {
    const t = translator("en");
    expect(t("room.participants", { count: 1 })).toBe("1 participant");
    expect(t("room.participants", { count: 2 })).toBe("2 participants");
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    const t = translator("en");
    expect(t("prejoin.title", { room: "standup" })).toBe("Ready to join standup?");
    expect(t("prejoin.title")).toBe("Ready to join {room}?");
  });

  it("picks the first supported browser language, falling back to English", () => {
    expect(pickLanguage(["ru-RU", "en-US"])).toBe("ru");
    expect(pickLanguage(["de-DE", "en-GB"])).toBe("en");
    expect(pickLanguage(["fr"])).toBe("en");
    expect(pickLanguage([])).toBe("en");
  });
});
