// What the server offers (found with OPTIONS at start), so the UI shows only what works.
import { subResources } from './api';

export const capabilities = {
  modules: [] as string[],
  capture: false,
  dashboards: false,
  pcapUpload: false,
  data: [] as string[],
  system: [] as string[],
};

// Asks only for nodes that exist (a 404 would be a console error): the top level first.
export async function discover(): Promise<void> {
  const top = await subResources('/API');
  const [modules, data, system] = await Promise.all([
    top.includes('stats') ? subResources('/API/stats/modules') : Promise.resolve([]),
    top.includes('data') ? subResources('/API/data') : Promise.resolve([]),
    top.includes('system') ? subResources('/API/system') : Promise.resolve([]),
  ]);
  const dataModules = data.includes('modules') ? await subResources('/API/data/modules') : [];
  capabilities.modules = modules;
  capabilities.data = data;
  capabilities.system = system;
  capabilities.capture = dataModules.includes('capture');
  capabilities.dashboards = system.includes('dashboards');
  capabilities.pcapUpload = system.includes('analyze-pcap') && data.includes('pcap');
}

export function hasModule(name: string): boolean {
  return capabilities.modules.includes(name);
}
