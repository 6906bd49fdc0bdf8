// Telegram Bot API emulator for end-to-end tests: telegram-test-api 4.2.1 with the routes aiogram 3 needs.
//
// Usage: node server.js [--port N] [--host 127.0.0.1] [--exit-on-stdin-close]
//        (or TG_EMULATOR_PORT / TG_EMULATOR_HOST). Port 0 picks a free port; the line
//        "ready http://127.0.0.1:PORT" on stdout says the server is listening.
//
// The package's TelegramServer keeps the storage (user updates, bot messages), the id counters, the
// webhook table and its user-side history routes. This wrapper puts a router in front of the package's
// express app; every bot method is answered there (the package's own bot routes are faulty for aiogram 3:
// see /work/shared/notes/telegram-test-api.md), user-side sends are wrapped so a failing webhook cannot
// crash Node, and /_test/* routes expose a journal of bot calls and fault injection.
'use strict';

const http = require('http');
const express = require('express');
const axios = require('axios');
const TelegramServer = require('telegram-test-api');

const BOT_FIRST_NAME = process.env.TG_EMULATOR_BOT_NAME || 'Mishu Test';
const BOT_USERNAME = process.env.TG_EMULATOR_BOT_USERNAME || 'mishu_test_bot';
const TOKEN_RE = /^\d+:[A-Za-z0-9_-]+$/;
const UPDATE_TYPES = ['message', 'callback_query'];
const FAULTS = {
  429: (f) => ({
    status: 429,
    body: {
      ok: false,
      error_code: 429,
      description: `Too Many Requests: retry after ${f.retry_after}`,
      parameters: { retry_after: f.retry_after },
    },
  }),
  403: () => ({
    status: 403,
    body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
  }),
  migrate: (f) => ({
    status: 400,
    body: {
      ok: false,
      error_code: 400,
      description: 'Bad Request: group chat was upgraded to a supergroup chat',
      parameters: { migrate_to_chat_id: f.migrate_to_chat_id },
    },
  }),
  400: (f) => ({
    status: 400,
    body: { ok: false, error_code: 400, description: f.description || 'Bad Request: injected fault' },
  }),
  500: (f) => ({
    status: 500,
    body: { ok: false, error_code: 500, description: f.description || 'Internal Server Error: injected fault' },
  }),
};
FAULTS.flood = FAULTS[429];
FAULTS.blocked = FAULTS[403];
FAULTS.forbidden = FAULTS[403];

// ---------------------------------------------------------------- arguments

function option(name, envName, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i !== -1 && i + 1 < process.argv.length) return process.argv[i + 1];
  return process.env[envName] || fallback;
}

const port = Number(option('port', 'TG_EMULATOR_PORT', '0'));
const host = option('host', 'TG_EMULATOR_HOST', '127.0.0.1');
if (!['127.0.0.1', 'localhost'].includes(host)) {
  console.error(`refusing to listen on ${host}: the emulator listens on 127.0.0.1 only`);
  process.exit(2);
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`bad port: ${port}`);
  process.exit(2);
}

// ---------------------------------------------------------------- state

// storeTimeout is in seconds; a day keeps everything for a test session (the clean-up daemon never runs:
// we do not call server.start(), we listen ourselves so that port 0 works).
const tg = new TelegramServer({ port: port || 9000, host: '127.0.0.1', storeTimeout: 86400 });
const journal = [];
const faults = new Map(); // method -> [fault, ...]
const chats = new Map(); // `${token}|${chatId}` -> Chat object seen in user updates
const acked = new Map(); // token -> highest offset acknowledged by getUpdates

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

function botUser(token) {
  return { id: Number(token.split(':')[0]), is_bot: true, first_name: BOT_FIRST_NAME, username: BOT_USERNAME };
}

function parseJsonField(value) {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (e) {
    return value;
  }
}

function chatFor(token, chatId) {
  const known = chats.get(`${token}|${chatId}`);
  if (known) return known;
  const id = Number(chatId);
  if (id > 0) return { id, type: 'private', first_name: 'User' };
  if (id < -1000000000000) return { id, type: 'supergroup', title: 'Supergroup' };
  return { id, type: 'group', title: 'Group' };
}

function chatInstance(token, chatId) {
  // Telegram's chat_instance is an opaque stable string per (bot, chat).
  return String(BigInt(token.split(':')[0]) * 1000003n + BigInt(chatId));
}

function findBotEntry(token, chatId, messageId) {
  return tg.storage.botMessages.find((u) => u.botToken === token
    && String(u.message.chat_id) === String(chatId) && String(u.messageId) === String(messageId));
}

function formatUpdate(entry) {
  const update = TelegramServer.formatUpdate(entry);
  if (update.callback_query) {
    update.callback_query.chat_instance = entry.chatInstance;
  }
  return update;
}

function updateType(entry) {
  return 'callbackQuery' in entry ? 'callback_query' : 'message';
}

// ---------------------------------------------------------------- responses

function ok(res, result) {
  res.status(200).json({ ok: true, result });
}

function fail(res, code, description, parameters) {
  const body = { ok: false, error_code: code, description };
  if (parameters) body.parameters = parameters;
  res.status(code).json(body);
}

function takeFault(method) {
  const queue = faults.get(method);
  if (!queue || queue.length === 0) return null;
  const fault = queue[0];
  fault.remaining -= 1;
  if (fault.remaining <= 0) queue.shift();
  return fault;
}

// ---------------------------------------------------------------- body parsing (json, urlencoded, multipart)

async function parseMultipart(req, res, next) {
  const type = req.headers['content-type'] || '';
  if (!type.startsWith('multipart/form-data')) return next();
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': type } }).formData();
    req.body = {};
    for (const [key, value] of form.entries()) {
      req.body[key] = typeof value === 'string' ? value : { filename: value.name, size: value.size };
    }
    req._body = true; // tell later body parsers the body is read
    return next();
  } catch (e) {
    return fail(res, 400, `Bad Request: can't parse multipart body: ${e.message}`);
  }
}

// ---------------------------------------------------------------- bot methods

const bot = {};

bot.getMe = (token) => ({
  result: {
    ...botUser(token),
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
  },
});

bot.getUpdates = async (token, p, req) => {
  if (tg.webhooks[token]) {
    return { error: [409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"] };
  }
  const offset = Number(p.offset || 0);
  const limit = Math.min(Math.max(Number(p.limit || 100), 1), 100);
  const timeout = Math.min(Math.max(Number(p.timeout || 0), 0), 50);
  const allowed = parseJsonField(p.allowed_updates);
  const wanted = Array.isArray(allowed) && allowed.length ? allowed : UPDATE_TYPES;
  if (offset > 0) {
    acked.set(token, Math.max(acked.get(token) || 0, offset));
    tg.storage.userMessages = tg.storage.userMessages.filter((u) => u.botToken !== token || u.updateId >= offset);
  }
  const pending = () => {
    let list = tg.storage.userMessages.filter((u) => u.botToken === token && wanted.includes(updateType(u)));
    list.sort((a, b) => a.updateId - b.updateId);
    if (offset < 0) list = list.slice(offset);
    return list.slice(0, limit);
  };
  let found = pending();
  if (found.length === 0 && timeout > 0) {
    await new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        tg.off('userUpdate', onUpdate);
        req.res.off('close', done);
        resolve();
      };
      const onUpdate = (t) => { if (t === token) done(); };
      const timer = setTimeout(done, timeout * 1000);
      tg.on('userUpdate', onUpdate);
      // The response's close, not the request's: a fully read request stream counts as closed in Node 20.
      req.res.on('close', done);
    });
    found = pending();
  }
  found.forEach((u) => { u.isRead = true; });
  return { result: found.map(formatUpdate) };
};

// Telegram counts a message's length after entity parsing, in UTF-16 code units (a JS string's length):
// with parse_mode HTML the tags do not count and an entity such as &lt; is one character.
const textLength = (p) => {
  let text = String(p.text);
  if (String(p.parse_mode || '').toUpperCase() === 'HTML') {
    text = text.replace(/<[^>]*>/g, '').replace(/&(lt|gt|amp|quot|#\d+);/g, '_');
  }
  return text.length;
};

bot.sendMessage = (token, p) => {
  if (p.chat_id === undefined || p.chat_id === '') return { error: [400, 'Bad Request: chat_id is empty'] };
  if (!Number.isFinite(Number(p.chat_id))) return { error: [400, 'Bad Request: chat not found'] };
  if (!p.text || !String(p.text).trim()) return { error: [400, 'Bad Request: message text is empty'] };
  if (textLength(p) > 4096) return { error: [400, 'Bad Request: message is too long'] };
  const raw = { ...p };
  raw.chat_id = String(Number(p.chat_id));
  TelegramServer.normalizeMessage(raw);
  const messageId = tg.messageId;
  tg.addBotMessage(raw, token);
  const entry = findBotEntry(token, raw.chat_id, messageId);
  const msg = {
    message_id: messageId,
    from: botUser(token),
    chat: chatFor(token, raw.chat_id),
    date: nowSeconds(),
    text: String(raw.text),
  };
  if (Array.isArray(raw.entities)) msg.entities = raw.entities;
  if (raw.reply_markup && raw.reply_markup.inline_keyboard) msg.reply_markup = raw.reply_markup;
  const replyTo = parseJsonField(raw.reply_parameters);
  const replyId = (replyTo && replyTo.message_id) || raw.reply_to_message_id;
  if (replyId) {
    const user = tg.storage.userMessages.find((u) => u.botToken === token && u.messageId === Number(replyId));
    if (user && user.message) msg.reply_to_message = { ...user.message, message_id: user.messageId };
  }
  entry.result = msg;
  entry.keyboard = raw.reply_markup; // any keyboard (reply keyboards too), for tests to read
  return { result: msg };
};

function editTarget(token, p) {
  if (p.inline_message_id) return { error: [400, 'Bad Request: inline messages are not supported by the emulator'] };
  const entry = findBotEntry(token, p.chat_id, p.message_id);
  if (!entry || !entry.result) return { error: [400, 'Bad Request: message to edit not found'] };
  return { entry };
}

bot.editMessageText = (token, p) => {
  const { entry, error } = editTarget(token, p);
  if (error) return { error };
  if (!p.text || !String(p.text).trim()) return { error: [400, 'Bad Request: message text is empty'] };
  const markup = parseJsonField(p.reply_markup);
  const newMarkup = markup && markup.inline_keyboard ? markup : undefined;
  if (String(p.text) === entry.result.text
      && JSON.stringify(newMarkup) === JSON.stringify(entry.result.reply_markup)) {
    return { error: [400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'] };
  }
  tg.editMessageText({ ...p, chat_id: String(p.chat_id) });
  const msg = { ...entry.result, text: String(p.text), edit_date: nowSeconds() };
  const entities = parseJsonField(p.entities);
  if (Array.isArray(entities)) msg.entities = entities; else delete msg.entities;
  if (newMarkup) msg.reply_markup = newMarkup; else delete msg.reply_markup;
  entry.result = msg;
  return { result: msg };
};

bot.editMessageReplyMarkup = (token, p) => {
  const { entry, error } = editTarget(token, p);
  if (error) return { error };
  const markup = parseJsonField(p.reply_markup);
  const newMarkup = markup && markup.inline_keyboard && markup.inline_keyboard.length ? markup : undefined;
  if (JSON.stringify(newMarkup) === JSON.stringify(entry.result.reply_markup)) {
    return { error: [400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'] };
  }
  tg.editMessageReplyMarkup({ ...p, chat_id: String(p.chat_id) });
  const msg = { ...entry.result, edit_date: nowSeconds() };
  if (newMarkup) msg.reply_markup = newMarkup; else delete msg.reply_markup;
  entry.result = msg;
  entry.message.reply_markup = newMarkup;
  return { result: msg };
};

bot.deleteMessage = (token, p) => {
  const entry = findBotEntry(token, p.chat_id, p.message_id);
  if (entry) {
    tg.removeBotMessage(entry.updateId);
    return { result: true };
  }
  if (tg.deleteMessage(Number(p.chat_id), Number(p.message_id))) return { result: true };
  return { error: [400, 'Bad Request: message to delete not found'] };
};

bot.answerCallbackQuery = (token, p) => {
  if (!p.callback_query_id) return { error: [400, 'Bad Request: query_id is empty'] };
  return { result: true };
};

bot.setWebhook = (token, p) => {
  if (!p.url) {
    tg.deleteWebhook(token);
    return { result: true, description: 'Webhook was deleted' };
  }
  if (!/^https?:\/\//.test(p.url)) return { error: [400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook'] };
  tg.setWebhook({ url: p.url, secret_token: p.secret_token }, token);
  return { result: true, description: 'Webhook was set' };
};

bot.deleteWebhook = (token, p) => {
  tg.deleteWebhook(token);
  if (p.drop_pending_updates === 'true' || p.drop_pending_updates === true) {
    tg.storage.userMessages = tg.storage.userMessages.filter((u) => u.botToken !== token);
  }
  return { result: true, description: 'Webhook was deleted' };
};

bot.getWebhookInfo = (token) => {
  const hook = tg.webhooks[token];
  const pending = tg.storage.userMessages.filter((u) => u.botToken === token).length;
  return { result: { url: hook ? hook.url : '', has_custom_certificate: false, pending_update_count: pending } };
};

bot.getChat = (token, p) => {
  if (p.chat_id === undefined || !Number.isFinite(Number(p.chat_id))) return { error: [400, 'Bad Request: chat not found'] };
  return { result: { ...chatFor(token, p.chat_id), accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false } } };
};

for (const name of ['setMyCommands', 'deleteMyCommands', 'sendChatAction', 'setChatMenuButton',
  'setMyDescription', 'setMyShortDescription', 'setMyName', 'close', 'logOut']) {
  bot[name] = () => ({ result: true });
}
bot.getMyCommands = () => ({ result: [] });
bot.getChatMenuButton = () => ({ result: { type: 'default' } });

// ---------------------------------------------------------------- user side (the tests' "phone")

function deliver(entry) {
  const hook = tg.webhooks[entry.botToken];
  if (!hook) {
    tg.storage.userMessages.push(entry);
    tg.emit('userUpdate', entry.botToken);
    tg.emit('callbackQuery' in entry ? 'AddedUserCallbackQuery' : 'AddedUserMessage');
    return Promise.resolve({ delivered: 'getUpdates' });
  }
  const headers = hook.secret_token ? { 'X-Telegram-Bot-Api-Secret-Token': hook.secret_token } : {};
  return axios({ url: hook.url, method: 'POST', data: formatUpdate(entry), headers, timeout: 10000 })
    .then((resp) => ({ delivered: 'webhook', status: resp.status }));
}

async function userSend(req, res, build) {
  const token = req.body.token || req.body.botToken;
  if (!token || !TOKEN_RE.test(token)) return fail(res, 400, 'user side: `token` of the bot is required');
  let entry;
  try {
    entry = build(token, req.body);
  } catch (e) {
    return fail(res, 400, `user side: ${e.message}`);
  }
  try {
    const how = await deliver(entry);
    return ok(res, { update_id: entry.updateId, message_id: entry.messageId, callback_query_id: entry.callbackQuery && String(entry.callbackId), ...how });
  } catch (e) {
    return fail(res, 502, `user side: webhook delivery to ${tg.webhooks[token] && tg.webhooks[token].url} failed: ${e.message}`);
  }
}

function userFrom(body) {
  if (body.from && body.from.id) return { is_bot: false, first_name: 'User', ...body.from };
  if (!body.user_id) throw new Error('`from` or `user_id` is required');
  const from = { id: Number(body.user_id), is_bot: false, first_name: body.first_name || 'User' };
  if (body.username) from.username = body.username;
  if (body.language_code) from.language_code = body.language_code;
  return from;
}

function buildUserMessage(token, body) {
  const from = userFrom(body);
  const chat = body.chat && body.chat.id ? body.chat : {
    id: Number(body.chat_id || from.id),
    type: body.chat_type || 'private',
  };
  if (chat.type === 'private') {
    chat.first_name = chat.first_name || from.first_name;
    if (from.username && !chat.username) chat.username = from.username;
  } else if (!chat.title) {
    chat.title = body.chat_title || 'Test group';
  }
  chats.set(`${token}|${chat.id}`, chat);
  const passthrough = { ...body };
  for (const k of ['token', 'botToken', 'user_id', 'chat_id', 'chat_type', 'chat_title', 'first_name', 'username',
    'language_code', 'reply_to', 'from', 'chat', 'message_id', 'update_id']) delete passthrough[k];
  const messageId = tg.messageId++;
  const message = { date: nowSeconds(), ...passthrough, from, chat };
  if (body.reply_to) {
    const bot = findBotEntry(token, chat.id, body.reply_to);
    if (bot && bot.result) message.reply_to_message = bot.result;
    else {
      const user = tg.storage.userMessages.find((u) => u.botToken === token && u.messageId === Number(body.reply_to));
      if (!user || !user.message) throw new Error(`reply_to: message ${body.reply_to} not found in chat ${chat.id}`);
      message.reply_to_message = { ...user.message, message_id: user.messageId };
    }
  }
  return { time: Date.now(), botToken: token, updateId: tg.updateId++, messageId, isRead: false, message };
}

function buildUserCallback(token, body) {
  const from = userFrom(body);
  const chatId = body.chat_id || from.id;
  const bot = findBotEntry(token, chatId, body.message_id);
  if (!bot || !bot.result) throw new Error(`bot message ${body.message_id} not found in chat ${chatId}`);
  const data = String(body.data ?? body.callback_data ?? '');
  const buttons = ((bot.result.reply_markup || {}).inline_keyboard || []).flat();
  if (!body.force && !buttons.some((b) => b.callback_data === data)) {
    throw new Error(`message ${body.message_id} has no inline button with callback_data ${JSON.stringify(data)}`);
  }
  const callbackId = tg.callbackId++;
  return {
    time: Date.now(),
    botToken: token,
    updateId: tg.updateId++,
    callbackId,
    chatInstance: chatInstance(token, chatId),
    callbackQuery: { from, message: bot.result, data },
    isRead: false,
  };
}

// ---------------------------------------------------------------- the app

const front = express();
front.use(parseMultipart);
front.use(express.json({ limit: '20mb' }));
front.use(express.urlencoded({ extended: true, limit: '20mb' }));

front.post('/sendMessage', (req, res) => userSend(req, res, buildUserMessage));
front.post('/sendCallback', (req, res) => userSend(req, res, buildUserCallback));

front.get('/_test/journal', (req, res) => {
  const method = req.query.method;
  ok(res, method ? journal.filter((j) => j.method === method) : journal);
});
front.delete('/_test/journal', (req, res) => { journal.length = 0; ok(res, true); });
front.post('/_test/journal/clear', (req, res) => { journal.length = 0; ok(res, true); });

front.post('/_test/faults', (req, res) => {
  const { method } = req.body;
  const kind = String(req.body.kind || '');
  const count = Number(req.body.count || 1);
  if (!method || !FAULTS[kind] || !(count > 0)) {
    return fail(res, 400, `fault needs method, kind in ${Object.keys(FAULTS).join('/')} and count > 0`);
  }
  const fault = {
    kind,
    remaining: count,
    retry_after: Number(req.body.retry_after || 1),
    migrate_to_chat_id: Number(req.body.migrate_to_chat_id || -1001000000000),
    description: req.body.description,
  };
  if (!faults.has(method)) faults.set(method, []);
  faults.get(method).push(fault);
  return ok(res, true);
});
front.get('/_test/faults', (req, res) => ok(res, Object.fromEntries(faults)));
front.delete('/_test/faults', (req, res) => { faults.clear(); ok(res, true); });

front.get('/_test/botMessages', (req, res) => {
  const { token, chat_id: chatId } = req.query;
  const list = tg.storage.botMessages
    .filter((u) => (!token || u.botToken === token) && (chatId === undefined || String(u.message.chat_id) === String(chatId)))
    .filter((u) => u.result)
    .sort((a, b) => a.messageId - b.messageId)
    .map((u) => ({ ...u.result, ...(u.keyboard && !u.result.reply_markup ? { reply_markup: u.keyboard } : {}) }));
  ok(res, list);
});

front.post('/_test/reset', (req, res) => {
  journal.length = 0;
  faults.clear();
  chats.clear();
  acked.clear();
  tg.storage.userMessages = [];
  tg.storage.botMessages = [];
  tg.webhooks = {};
  ok(res, true);
});

front.all('/bot:token/:method', async (req, res) => {
  const { token, method } = req.params;
  const params = { ...req.query, ...(req.body || {}) };
  const entry = { method, params, time: Date.now() / 1000, token };
  journal.push(entry);
  const json = res.json.bind(res);
  res.json = (body) => {
    entry.ok = Boolean(body && body.ok);
    if (body && !body.ok) entry.error_code = body.error_code;
    return json(body);
  };
  if (!TOKEN_RE.test(token)) return fail(res, 401, 'Unauthorized');
  const fault = takeFault(method);
  if (fault) {
    const { status, body } = FAULTS[fault.kind](fault);
    return res.status(status).json(body);
  }
  const handler = Object.prototype.hasOwnProperty.call(bot, method) ? bot[method] : null;
  if (!handler) return fail(res, 404, `Not Found: method ${method} is not supported by the emulator`);
  try {
    const out = await handler(token, params, req);
    if (out.error) return fail(res, out.error[0], out.error[1], out.error[2]);
    const body = { ok: true, result: out.result };
    if (out.description) body.description = out.description;
    if (!res.headersSent && !res.destroyed) res.status(200).json(body);
    return undefined;
  } catch (e) {
    return fail(res, 500, `Internal Server Error: ${e.message}`);
  }
});

// Everything else (the user-side /getUpdates, /getUpdatesHistory, /sendCommand) is the package's own.
front.use(tg.webServer);

process.on('unhandledRejection', (e) => console.error(`unhandled rejection (ignored): ${e && e.message}`));
process.on('uncaughtException', (e) => console.error(`uncaught exception (ignored): ${e && e.stack}`));

const server = http.createServer(front);
server.keepAliveTimeout = 65000;
const sockets = new Set();
server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
function shutdown() {
  server.close(() => process.exit(0));
  sockets.forEach((s) => s.destroy());
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
if (process.argv.includes('--exit-on-stdin-close')) {
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
}
server.on('error', (e) => {
  console.error(`cannot listen on ${host}:${port}: ${e.message}`);
  process.exit(1);
});
server.listen(port, host === 'localhost' ? '127.0.0.1' : host, () => {
  const actual = server.address().port;
  tg.config.port = actual;
  tg.config.apiURL = `http://127.0.0.1:${actual}`;
  console.log(`ready http://127.0.0.1:${actual}`);
});
