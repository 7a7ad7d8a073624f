/** URI parsing functions of the functions reference (WHATWG URL parsing). */
import { define, table } from "../signature";

const url = (v: unknown) => new URL(v as string);

export const URI_FUNCTIONS = table(
  define("uriHost", "s", ([s]) => url(s).hostname),
  define("uriPath", "s", ([s]) => url(s).pathname),
  define("uriQuery", "s", ([s]) => url(s).search),
  define("uriScheme", "s", ([s]) => url(s).protocol.replace(":", "")),
  define("uriPort", "s", ([s]) => Number(url(s).port || (url(s).protocol === "https:" ? 443 : 80))),
  define("uriPathAndQuery", "s", ([s]) => url(s).pathname + url(s).search),
);
