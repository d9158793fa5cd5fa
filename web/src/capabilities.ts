// What the server offers (found with OPTIONS at start), so the UI shows only what works.
import { subResources } from './api';

export const capabilities = {
  modules: [] as string[],
  capture: false,
  dashboards: false,
};

export async function discover(): Promise<void> {
  const [modules, data, system] = await Promise.all([
    subResources('/API/stats/modules'),
    subResources('/API/data/modules'),
    subResources('/API/system'),
  ]);
  capabilities.modules = modules;
  capabilities.capture = data.includes('capture');
  capabilities.dashboards = system.includes('dashboards');
}

export function hasModule(name: string): boolean {
  return capabilities.modules.includes(name);
}
