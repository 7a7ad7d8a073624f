/** xml() and xpath(): XML with @xmldom/xmldom and xpath, Logic Apps' JSON <-> XML conventions in ../xml.ts. */
import { define, table } from "../signature";
import { selectXpath, toXml } from "../xml";

export const XML_FUNCTIONS = table(
  define("xml", "x", ([v]) => toXml(v)),
  define("xpath", "x,s", ([xml, path]) => selectXpath(xml, path as string)),
);
