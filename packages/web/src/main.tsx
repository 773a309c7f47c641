import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.js";
import { takeLinkToken } from "./lib/joinLink.js";
import "./styles.css";

// Once, before anything renders: the token leaves the address bar and lives in memory only.
const token = takeLinkToken();

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App token={token} />
  </StrictMode>,
);
