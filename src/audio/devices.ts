import { fromNativeError, RexError } from "../errors.js";
import { native, type NativeDeviceInfo, type NativeDeviceList } from "../native/binding.js";

export type DeviceKind = "capture" | "playback";
export type DeviceInfo = NativeDeviceInfo;

/** Lists capture and playback devices of the first audio backend miniaudio can open. */
export function listDevices(): NativeDeviceList {
  try {
    return native().listDevices();
  } catch (error) {
    throw fromNativeError(error);
  }
}

/**
 * Picks a device by index, backend id, exact name or case-insensitive part of a name. Returns
 * undefined for an empty spec, which selects the system default. Throws AUDIO_DEVICE_NOT_FOUND
 * listing the devices there are.
 */
export function resolveDevice(kind: DeviceKind, spec: string | undefined, list = listDevices()): DeviceInfo | undefined {
  if (spec === undefined || spec.trim() === "" || spec === "default") return undefined;
  const devices = list[kind];
  const wanted = spec.trim();
  const byIndex = /^\d+$/.test(wanted) ? devices.find((device) => device.index === Number(wanted)) : undefined;
  const found =
    byIndex ??
    devices.find((device) => device.id === wanted || device.name === wanted) ??
    devices.find((device) => device.name.toLowerCase().includes(wanted.toLowerCase()) || device.id.includes(wanted));
  if (found) return found;
  const names = devices.map((device) => `${device.index}: ${device.name}${device.id ? ` (${device.id})` : ""}`);
  throw new RexError(
    "AUDIO_DEVICE_NOT_FOUND",
    `no ${kind} device matches '${spec}' on ${list.backend}. ` +
      (names.length ? `Available: ${names.join("; ")}` : "No devices are available: is the audio server running?"),
  );
}
