/**
 * The site's theme: VitePress's default theme plus the protocol decoder component, which
 * `decoder.md` places on its page.
 */
import type { Theme } from "vitepress";
import DefaultTheme from "vitepress/theme";
import ProtocolDecoder from "./ProtocolDecoder.vue";
import "./protocol.css";

const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component("ProtocolDecoder", ProtocolDecoder);
  },
};

export default theme;
