export { type ClientKind, CredentialService, type MqttIdentity } from './credentials.service';
export { MAX_IMPORT_BYTES, type ParsedDeviceRow, parseDeviceFile } from './domain/device-import';
export {
  CREDENTIAL_STATES,
  CRITICALITIES,
  CSV_COLUMNS,
  DATA_HELD,
  DEVICE_KINDS,
  DEVICE_STATUSES,
  type DeviceInput,
  type DevicePatch,
  deviceInputSchema,
  devicePatchSchema,
  openServiceSchema,
  UPDATE_MECHANISMS,
} from './domain/device-input';
export {
  type DeviceChange,
  type DeviceFilter,
  type DeviceView,
  InventoryService,
  type SiteView,
  toDeviceView,
} from './inventory.service';
export { registerInventoryRoutes } from './routes';
export type { OpenService } from './schema';
