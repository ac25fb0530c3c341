import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Directory } from '../../src/participation/directory.js';
import { UnitFinder, type UnitAnswer } from '../../src/participation/unit-finder.js';
import { profilePayloads } from '../../src/participation/unit-step.js';
import { fold } from '../../src/text/vietnamese.js';
import { tempDir } from '../helpers/app.js';

const directory = Directory.load('knowledge');
const finder = new UnitFinder(directory);
const found = (a: UnitAnswer) => (a.kind === 'found' ? `${a.place.unit.name}${a.place.former ? ` <- ${a.place.former.key}` : ''}` : a.kind);
const offered = (a: UnitAnswer) => (a.kind === 'choose' || a.kind === 'suggest' ? a.places.map((p) => p.unit.name) : []);

describe('units of Lai Châu (knowledge/units.yaml)', () => {
  it('lists the 38 units of today and the 106 old ones, each old one once', () => {
    expect(directory.units).toHaveLength(38);
    expect(directory.units.filter((u) => u.kind === 'phuong').map((u) => u.name)).toEqual(['Tân Phong', 'Đoàn Kết']);
    const formerly = directory.units.flatMap((u) => u.formerly);
    expect(formerly).toHaveLength(106);
    expect(new Set(formerly.map((f) => f.key)).size).toBe(106);
    // 94 communes, 5 wards, 7 towns before 01/7/2025; 8 old districts to browse by.
    expect(['xa', 'phuong', 'thi-tran'].map((k) => formerly.filter((f) => f.kind === k).length)).toEqual([94, 5, 7]);
    expect(directory.areas.map((a) => a.label)).toEqual([
      'Huyện Than Uyên cũ', 'Huyện Tân Uyên cũ', 'Huyện Tam Đường cũ', 'TP Lai Châu cũ', 'Huyện Phong Thổ cũ', 'Huyện Sìn Hồ cũ', 'Huyện Nậm Nhùn cũ', 'Huyện Mường Tè cũ',
    ]);
    // A phone shows at most 10 units per old district; every button fits Telegram's 64-byte callback data.
    for (const a of directory.areas) expect(a.units.length).toBeLessThanOrEqual(10);
    const payloads = [...formerly.map((f) => profilePayloads.encode('former', { key: f.key })), ...directory.areas.map((a) => profilePayloads.encode('area', { key: a.key }))];
    expect(Math.max(...payloads.map((p) => Buffer.byteLength(p)))).toBeLessThanOrEqual(64);
  });

  it('stops the start when an old unit is listed twice or a unit has no old units', () => {
    const dir = tempDir();
    fs.copyFileSync('knowledge/organisations.yaml', path.join(dir, 'organisations.yaml'));
    const units = fs.readFileSync('knowledge/units.yaml', 'utf8');
    fs.writeFileSync(path.join(dir, 'units.yaml'), units.replace('- { name: "Nà Tăm", kind: xa, district: "huyện Tam Đường" }', '- { name: "Bản Bo", kind: xa, district: "huyện Tam Đường" }'));
    expect(() => Directory.load(dir)).toThrow(/old unit "xa Bản Bo" \(huyện Tam Đường\) is listed twice/);
    fs.writeFileSync(path.join(dir, 'units.yaml'), units.replace(/(name: "Mù Cả"\n\s+kind: xa\n)\s+formerly:\n.*\n?/, '$1'));
    expect(() => Directory.load(dir)).toThrow(/units\.yaml: units\.37\.formerly/);
    fs.writeFileSync(path.join(dir, 'units.yaml'), units.replace('district: "huyện Mường Tè" }', 'district: "Mường Tè" }'));
    expect(() => Directory.load(dir)).toThrow(/district/);
  });
});

describe('finding the commune a person types', () => {
  it('finds every old and new name, typed with or without marks, "xã"/"phường", NFD or run together', () => {
    for (const unit of directory.units) {
      const forms = (name: string) => [name, fold(name), `xã ${name}`.normalize('NFD'), fold(name).replace(/ /g, ''), name.toUpperCase()];
      for (const typed of forms(unit.name)) {
        const a = finder.find(typed);
        // Mường Than, Mường Tè: today's unit and an old one of another unit share the name; the person is asked.
        if (a.kind === 'choose') expect(offered(a), typed).toContain(unit.name);
        else expect(found(a), typed).toBe(unit.name);
      }
      for (const former of unit.formerly) {
        for (const name of [former.name, ...former.also]) {
          for (const typed of [`${former.title.split(' ')[0] === 'thị' ? 'thị trấn' : former.title.split(' ')[0]} ${name}`, fold(name), `tôi ở ${name}`]) {
            const a = finder.find(typed);
            if (a.kind === 'choose') expect(offered(a), typed).toContain(unit.name);
            else expect(a.kind === 'found' && a.place.unit.name, typed).toBe(unit.name);
          }
        }
      }
    }
  });

  it('says what an old name is today', () => {
    expect(found(finder.find('xa Son Binh'))).toBe('Bình Lư <- xa.son-binh.tam-duong');
    expect(found(finder.find('Sơn Bình cũ'.normalize('NFD')))).toBe('Bình Lư <- xa.son-binh.tam-duong');
    expect(found(finder.find('tôi ở thị trấn Tam Đường'))).toBe('Bình Lư <- thi-tran.tam-duong.tam-duong');
    expect(found(finder.find('phường Quyết Thắng, TP Lai Châu'))).toBe('Đoàn Kết <- phuong.quyet-thang.lai-chau');
    expect(found(finder.find('Lản Nhì Thàng'))).toBe('Đoàn Kết <- xa.la-nhi-thang.phong-tho');
    // Today's name wins when old and new mean the same place; "hong" is not read as the teencode for "không".
    expect(found(finder.find('hong thu'))).toBe('Hồng Thu');
    expect(found(finder.find('Hua Bum'))).toBe('Hua Bum');
    expect(found(finder.find('phuong tan phong, tinh lai chau'))).toBe('Tân Phong');
    // New units drawn from two old districts are one place, whatever the district: no question asked.
    expect(found(finder.find('Lê Lợi'))).toBe('Lê Lợi');
    expect(found(finder.find('xa pa tan'))).toBe('Pa Tần');
    expect(directory.areas.filter((a) => a.units.some((u) => u.name === 'Lê Lợi')).map((a) => a.district)).toEqual(['huyện Sìn Hồ', 'huyện Nậm Nhùn']);
  });

  it('asks which one when a name is used by several places, and settles it with marks, kind or district', () => {
    const namCha = finder.find('nam cha');
    expect(namCha.kind).toBe('choose');
    expect(offered(namCha).sort()).toEqual(['Mường Mô', 'Nậm Tăm']);
    expect(found(finder.find('Nậm Chà'))).toBe('Mường Mô <- xa.nam-cha.nam-nhun');
    expect(found(finder.find('Nậm Cha'))).toBe('Nậm Tăm <- xa.nam-cha.sin-ho');
    expect(found(finder.find('nam cha huyen nam nhun'))).toBe('Mường Mô <- xa.nam-cha.nam-nhun');
    expect(offered(finder.find('muong than')).sort()).toEqual(['Mường Than', 'Than Uyên']);
    expect(offered(finder.find('Mường Tè')).sort()).toEqual(['Bum Tở', 'Mường Tè']);
    expect(found(finder.find('thi tran muong te'))).toBe('Bum Tở <- thi-tran.muong-te.muong-te');
    expect(found(finder.find('xã Mường Tè'))).toBe('Mường Tè');
    // A town that named its district: its commune, or the district's list.
    const tamDuong = finder.find('Tam Đường');
    expect(tamDuong.kind === 'choose' && [offered(tamDuong), tamDuong.area?.key]).toEqual([['Bình Lư'], 'huyen-tam-duong']);
  });

  it('offers the closest names for a misspelling, never assumes one', () => {
    const typo = finder.find('xa son binhh');
    expect(typo.kind).toBe('suggest');
    expect(offered(typo)[0]).toBe('Bình Lư');
    // Than Uyên and Tân Uyên are one letter apart: both are offered.
    expect(offered(finder.find('thn uyen'))).toEqual(expect.arrayContaining(['Than Uyên', 'Tân Uyên']));
    // A word many names share: a few of them, each with that word, not all 16.
    const muong = finder.find('muong');
    const names = muong.kind === 'suggest' ? muong.places.map((p) => fold(p.former?.name ?? p.unit.name)) : [];
    expect(names.length).toBeGreaterThan(1);
    expect(names.length).toBeLessThanOrEqual(4);
    for (const n of names) expect(n).toMatch(/^muong /);
    expect(finder.find('Hà Nội')).toEqual({ kind: 'suggest', places: [] });
    expect(finder.find('tp lai chau')).toMatchObject({ kind: 'area', area: { key: 'thanh-pho-lai-chau' } });
  });
});
