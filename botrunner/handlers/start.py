from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from botrunner import texts

router = Router(name="start")


@router.message(CommandStart())
async def cmd_start(message: Message) -> None:
    await message.answer(str(texts.START))


@router.message(Command("help"))
async def cmd_help(message: Message) -> None:
    await message.answer(str(texts.HELP))
