import { Menu, type MenuItemConstructorOptions, nativeImage, Tray } from 'electron'
import { join } from 'node:path'
import type { TrayView } from './app-controller.ts'
import type { TrayAction, TrayItem, TrayModel } from './tray-model.ts'

export interface TrayDeps {
  /** resources/tray: tray.png (16 px) with tray@2x.png (32 px), plus -attention and -paused variants. */
  iconDir: string
  onAction(action: TrayAction): void
  platform?: NodeJS.Platform | undefined
}

function toMenuItem(item: TrayItem, onAction: (action: TrayAction) => void): MenuItemConstructorOptions {
  switch (item.kind) {
    case 'separator':
      return { type: 'separator' }
    case 'status':
      return { label: item.label, enabled: false }
    case 'action':
      return { label: item.label, enabled: item.enabled, click: () => onAction(item.action) }
    case 'checkbox':
      return {
        label: item.label,
        type: 'checkbox',
        checked: item.checked,
        click: () => onAction(item.action),
      }
  }
}

export function toMenuTemplate(
  items: readonly TrayItem[],
  onAction: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return items.map((item) => toMenuItem(item, onAction))
}

/** The tray icon: rebuilt from the pure tray model whenever that changes. */
export function createTray(deps: TrayDeps): TrayView {
  const image = (variant: TrayModel['icon']) =>
    nativeImage.createFromPath(join(deps.iconDir, variant === 'normal' ? 'tray.png' : `tray-${variant}.png`))
  const tray = new Tray(image('normal'))
  let icon: TrayModel['icon'] = 'normal'
  let closed = false
  // Windows and macOS report clicks; Linux indicators only show the menu.
  if ((deps.platform ?? process.platform) === 'win32') tray.on('click', () => deps.onAction('open-dashboard'))
  return {
    update(model) {
      if (closed) return
      if (model.icon !== icon) {
        icon = model.icon
        tray.setImage(image(icon))
      }
      tray.setToolTip(model.tooltip)
      tray.setContextMenu(Menu.buildFromTemplate(toMenuTemplate(model.items, deps.onAction)))
    },
    close() {
      if (closed) return
      closed = true
      tray.destroy()
    },
  }
}
