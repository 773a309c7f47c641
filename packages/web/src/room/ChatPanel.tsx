import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import type { ConfabRoom } from "@confab/client";
import { MAX_CHAT_LENGTH } from "@confab/protocol";
import { useI18n } from "../i18n/context.js";
import { Icon } from "./Icon.js";
import { Linkified } from "./linkify.js";

/** The chat side panel: the room's messages (history included) and an input (Enter sends). */
export function ChatPanel({ room, onClose }: { room: ConfabRoom; onClose: () => void }) {
  const { t, language } = useI18n();
  const [text, setText] = useState("");
  const list = useRef<HTMLOListElement>(null);
  const inputId = useId();
  const messages = room.chatMessages();
  const selfId = room.self?.id;
  const time = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" });

  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: "end" });
  }, [messages.length]);

  const send = () => {
    const trimmed = text.trim();
    if (!trimmed) return;
    if (room.sendChat(trimmed)) setText("");
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  return (
    <aside className="panel" aria-label={t("chat.title")}>
      <header className="panel__header">
        <h2>{t("chat.title")}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={t("chat.close")} title={t("chat.close")}>
          <Icon name="close" />
        </button>
      </header>
      {messages.length === 0 ? (
        <p className="panel__empty">{t("chat.empty")}</p>
      ) : (
        <ol className="chat" ref={list} aria-live="polite">
          {messages.map((m) => (
            <li key={m.id} className="chat__message" data-testid="chat-message">
              <div className="chat__meta">
                <span className="chat__author">{m.participantId === selfId ? t("chat.you") : m.name}</span>
                <time dateTime={new Date(m.sentAt).toISOString()}>{time.format(m.sentAt)}</time>
              </div>
              <p className="chat__text">
                <Linkified text={m.text} />
              </p>
            </li>
          ))}
        </ol>
      )}
      <form
        className="chat__form"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <label htmlFor={inputId} className="visually-hidden">
          {t("chat.placeholder")}
        </label>
        <textarea
          id={inputId}
          data-testid="chat-input"
          rows={1}
          value={text}
          maxLength={MAX_CHAT_LENGTH}
          placeholder={t("chat.placeholder")}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          autoFocus
        />
        <button type="submit" className="icon-button icon-button--primary" disabled={!text.trim()} aria-label={t("chat.send")} title={t("chat.send")}>
          <Icon name="send" />
        </button>
      </form>
    </aside>
  );
}
