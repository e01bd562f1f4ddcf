/**
 * The bundled `time` plugin: the current time and date, here or in a given IANA time zone or city.
 * Settings: `locale` (BCP 47, default "en-US") and `timeZone` (IANA, default the system's).
 */

/** Cities that are not the last part of an IANA zone name, mapped to their zone. */
const CITY_ZONES = {
  "san francisco": "America/Los_Angeles",
  seattle: "America/Los_Angeles",
  "san diego": "America/Los_Angeles",
  "las vegas": "America/Los_Angeles",
  washington: "America/New_York",
  "washington dc": "America/New_York",
  boston: "America/New_York",
  miami: "America/New_York",
  atlanta: "America/New_York",
  philadelphia: "America/New_York",
  houston: "America/Chicago",
  dallas: "America/Chicago",
  beijing: "Asia/Shanghai",
  delhi: "Asia/Kolkata",
  "new delhi": "Asia/Kolkata",
  mumbai: "Asia/Kolkata",
  bangalore: "Asia/Kolkata",
  kolkata: "Asia/Kolkata",
  kyiv: "Europe/Kyiv",
  "ho chi minh city": "Asia/Ho_Chi_Minh",
  "hong kong": "Asia/Hong_Kong",
};

/**
 * Resolves an IANA time zone name ("Europe/Paris", in any case) or a city ("Paris", "new york")
 * to an IANA zone. Returns undefined when neither matches.
 */
export function resolveTimeZone(location) {
  const text = location.trim();
  if (isTimeZone(text)) return new Intl.DateTimeFormat("en-US", { timeZone: text }).resolvedOptions().timeZone;
  const city = text.toLowerCase().replace(/[.,]/g, "").replace(/\s+/g, " ");
  if (Object.hasOwn(CITY_ZONES, city) && isTimeZone(CITY_ZONES[city])) return CITY_ZONES[city];
  const zoneCity = city.replace(/ /g, "_");
  return Intl.supportedValuesOf("timeZone").find((zone) => zone.toLowerCase().split("/").at(-1) === zoneCity);
}

function isTimeZone(name) {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Describes `date` in `timeZone` as a sentence, such as "It is 3:04 PM on Thursday, December 4, 2025 in Tokyo (Asia/Tokyo)." */
export function describeTime(date, { timeZone, place, locale = "en-US" }) {
  const time = new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit", timeZone }).format(date);
  const day = new Intl.DateTimeFormat(locale, {
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
    timeZone,
  }).format(date);
  const where = place ? ` in ${place} (${timeZone})` : ` (${timeZone})`;
  // Some ICU versions put a narrow no-break space before "PM", which speech output may skip.
  return `It is ${time.replace(/\s/gu, " ")} on ${day}${where}.`;
}

export default {
  name: "time",
  description:
    "Returns the current time and date. Without arguments it uses the user's local time zone; " +
    "with `location` it uses that IANA time zone or city.",
  parameters: {
    type: "object",
    properties: {
      location: {
        type: "string",
        description: "IANA time zone such as Europe/Paris, or a city such as Tokyo",
        minLength: 1,
        maxLength: 64,
      },
    },
    additionalProperties: false,
  },
  run(args, context) {
    const locale = typeof context.settings.locale === "string" ? context.settings.locale : "en-US";
    const localZone = typeof context.settings.timeZone === "string" ? context.settings.timeZone : undefined;
    if (args.location === undefined) {
      const timeZone = localZone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
      return describeTime(new Date(), { timeZone, locale });
    }
    const timeZone = resolveTimeZone(args.location);
    if (!timeZone) {
      throw new Error(
        `unknown time zone or city "${args.location}"; use an IANA time zone such as Europe/Paris or a larger city nearby`,
      );
    }
    const place = args.location.includes("/") ? undefined : args.location.trim();
    return describeTime(new Date(), { timeZone, place, locale });
  },
};
