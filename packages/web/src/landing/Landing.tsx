import { useEffect, useId, useState, type FormEvent } from "react";
import { useI18n } from "../i18n/context.js";
import { LanguagePicker } from "../app/LanguagePicker.js";
import { isValidRoomName, randomRoomName } from "../lib/roomName.js";
import { useServerInfo } from "../lib/serverInfo.js";

/**
 * The start page: create a meeting with a random name, or type one. On a server that admits
 * only invitation links (`AUTH=token`) it says so instead: a name typed here could not join.
 */
export function Landing() {
  const { t } = useI18n();
  const info = useServerInfo();
  const [name, setName] = useState("");
  const [touched, setTouched] = useState(false);
  const inputId = useId();
  const errorId = useId();
  useEffect(() => {
    document.title = t("app.name");
  }, [t]);

  const invalid = touched && name.trim() !== "" && !isValidRoomName(name.trim());
  const go = (room: string) => location.assign(`/${encodeURIComponent(room)}`);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (isValidRoomName(name.trim())) go(name.trim());
  };

  return (
    <main className="page page--center">
      <div className="card landing">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={40} height={40} />
          <h1>{t("app.name")}</h1>
        </div>
        <p className="muted">{t("app.tagline")}</p>
        {info?.auth === "token" ? (
          <p className="notice" data-testid="token-only">
            {t("landing.tokenOnly")}
          </p>
        ) : (
          <>
            <button type="button" className="button button--primary button--large" onClick={() => go(randomRoomName())}>
              {t("landing.new")}
            </button>
            <form className="landing__join" onSubmit={submit} noValidate>
              <label htmlFor={inputId}>{t("landing.join.label")}</label>
              <div className="row">
                <input
                  id={inputId}
                  value={name}
                  placeholder={t("landing.join.placeholder")}
                  maxLength={64}
                  autoComplete="off"
                  spellCheck={false}
                  aria-invalid={invalid}
                  aria-describedby={invalid ? errorId : undefined}
                  onChange={(e) => setName(e.target.value)}
                  onBlur={() => setTouched(true)}
                />
                <button type="submit" className="button" disabled={name.trim() === ""}>
                  {t("landing.join.submit")}
                </button>
              </div>
              {invalid && (
                <p id={errorId} className="field-error" role="alert">
                  {t("landing.join.invalid")}
                </p>
              )}
            </form>
          </>
        )}
        <LanguagePicker />
      </div>
    </main>
  );
}
