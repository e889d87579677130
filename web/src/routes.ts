/**
 * Every page of the dashboard, in one list. To add a page: write `pages/<Name>.tsx` exporting a
 * component that takes `{ params }`, then add one entry here. A `nav` entry puts it in the left
 * navigation (only pages that exist are listed); `permission` hides the nav entry from users who
 * lack it (the server enforces it regardless).
 */
import type { ComponentType } from 'react';
import type { Permission } from './api';
import { DevicePage } from './pages/Device';
import { ImportPage } from './pages/Import';
import { InventoryPage } from './pages/Inventory';

export interface PageProps {
  params: Record<string, string>;
}

export interface PageRoute {
  /** Path pattern; ":name" segments become params. */
  path: string;
  title: string;
  component: ComponentType<PageProps>;
  nav?: { section: string; label: string };
  permission?: Permission;
}

export const HOME = '/inventory';

export const ROUTES: PageRoute[] = [
  {
    path: '/inventory',
    title: 'Devices',
    component: InventoryPage,
    nav: { section: 'Inventory', label: 'Devices' },
  },
  { path: '/inventory/devices/:id', title: 'Device', component: DevicePage },
  {
    path: '/inventory/import',
    title: 'Import devices',
    component: ImportPage,
    nav: { section: 'Inventory', label: 'Import' },
    permission: 'inventory:write',
  },
];
