import { commands } from './bindings';
import { isSafeExternalUrl } from './logic/linkify';

/** Opens a web link in the system browser (a mailto: link in the mail program); the webview itself never navigates. */
export function openLink(e: MouseEvent, href: string): void {
  e.preventDefault();
  if (isSafeExternalUrl(href)) void commands.openExternal(href);
}
